"""The case schema is the one description of the format: valid, in step with profiles.py,
and satisfied by every case in the repository."""

from pathlib import Path

import jsonschema
import pytest

from matrix.cases import case_schema, find_case_files, load_case
from matrix.profiles import FEATURES, PROFILE_NAMES

CASES = Path(__file__).parents[1] / "cases"
CASE_FILES = find_case_files([CASES])


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = case_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_feature_enum_is_the_feature_list():
    assert case_schema()["$defs"]["feature"]["enum"] == [feature.name for feature in FEATURES]


def test_profile_enum_is_the_profile_list():
    assert case_schema()["$defs"]["profile"]["enum"] == list(PROFILE_NAMES)


def test_there_are_cases_to_check():
    assert len(CASE_FILES) >= 17  # one probe per feature at least


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda path: str(path.relative_to(CASES)))
def test_case_in_the_repository_loads(path):
    case = load_case(path)
    assert case.name
    assert case.module.content


def test_every_feature_has_a_probe():
    probed = set()
    for path in CASE_FILES:
        case = load_case(path)
        if case.kind == "probe":
            probed.update(case.features)
    assert probed >= {feature.name for feature in FEATURES}
