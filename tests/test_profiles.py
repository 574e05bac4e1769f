"""The feature vocabulary: ids line up with webassembly.org's table, dependencies close."""

import json

import pytest

from matrix.analysis.compare import REFERENCE
from matrix.profiles import (
    DEFAULT_PROFILE,
    FEATURES,
    FEATURES_BY_NAME,
    PROFILE_NAMES,
    PROFILES,
    closure,
    dependents,
    feature_names,
)


@pytest.fixture(scope="module")
def published_ids():
    return set(json.loads(REFERENCE.read_text("utf-8"))["features"])


@pytest.mark.parametrize("feature", FEATURES, ids=lambda feature: feature.name)
def test_webassembly_org_ids_exist_in_the_published_table(feature, published_ids):
    missing = set(feature.webassembly_org) - published_ids
    assert not missing, f"{feature.name}: {sorted(missing)} not in {REFERENCE.name}"


def test_every_feature_but_mvp_has_a_webassembly_org_id():
    assert [f.name for f in FEATURES if not f.webassembly_org] == ["mvp"]


def test_feature_names_are_unique():
    assert len(FEATURES_BY_NAME) == len(FEATURES)
    assert feature_names() == tuple(FEATURES_BY_NAME)


def test_requirements_name_known_features():
    for feature in FEATURES:
        assert set(feature.requires) <= set(FEATURES_BY_NAME), feature.name
        assert feature.name not in feature.requires


def test_closure_adds_what_a_feature_builds_on():
    assert closure({"gc"}) == {"gc", "reference-types"}
    assert closure({"relaxed-simd"}) == {"relaxed-simd", "simd128"}
    assert closure({"exceptions", "sign-ext"}) == {"exceptions", "reference-types", "sign-ext"}
    assert closure({"mvp"}) == {"mvp"}
    assert closure(set()) == frozenset()


def test_dependents_are_everything_built_on_a_feature():
    assert dependents("reference-types") == {
        "gc",
        "exceptions",
        "call-indirect-overlong",
        "function-references",
        "stack-switching",  # through function-references and exceptions
    }
    assert dependents("simd128") == {"relaxed-simd", "half-precision"}
    assert dependents("gc") == frozenset()
    assert "reference-types" not in dependents("reference-types")


def test_profiles_are_default_lowered_plus_one_per_feature():
    assert (DEFAULT_PROFILE, "lowered", *feature_names()) == PROFILE_NAMES
    assert PROFILES[DEFAULT_PROFILE].features is None
    assert PROFILES["lowered"].features is None  # the toolchain's default, then lowered
    assert PROFILES["mvp"].features == frozenset()
    assert PROFILES["sign-ext"].features == {"sign-ext"}
    assert PROFILES["gc"].features == {"gc", "reference-types"}
    for name, profile in PROFILES.items():
        assert profile.name == name
        if profile.features is not None:
            assert closure(profile.features) == profile.features  # closed under requires
