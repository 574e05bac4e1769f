/* Strings, a growing array, sorting and formatting: word frequencies of a fixed text. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char TEXT[] =
    "It was the best of times, it was the worst of times, it was the age of wisdom, "
    "it was the age of foolishness, it was the epoch of belief, it was the epoch of "
    "incredulity, it was the season of Light, it was the season of Darkness";

struct word {
    char *text;
    int count;
};

static int by_count_then_text(const void *a, const void *b) {
    const struct word *x = a, *y = b;
    if (x->count != y->count) return y->count - x->count;
    return strcmp(x->text, y->text);
}

int main(void) {
    struct word *words = NULL;
    size_t used = 0, capacity = 0, total = 0, letters = 0;
    const char *at = TEXT;
    while (*at) {
        while (*at && !isalpha((unsigned char)*at)) at++;
        const char *start = at;
        while (*at && isalpha((unsigned char)*at)) at++;
        size_t length = (size_t)(at - start);
        if (!length) continue;
        char *text = malloc(length + 1);
        for (size_t i = 0; i < length; i++) text[i] = (char)tolower((unsigned char)start[i]);
        text[length] = '\0';
        total++;
        letters += length;
        size_t i = 0;
        while (i < used && strcmp(words[i].text, text) != 0) i++;
        if (i < used) {
            words[i].count++;
            free(text);
            continue;
        }
        if (used == capacity) {
            capacity = capacity ? capacity * 2 : 4;
            words = realloc(words, capacity * sizeof *words);
        }
        words[used++] = (struct word){text, 1};
    }
    qsort(words, used, sizeof *words, by_count_then_text);
    printf("%zu words, %zu distinct, mean length %.3f\n", total, used, (double)letters / total);
    for (size_t i = 0; i < 5 && i < used; i++)
        printf("%-12s|%5d|%6.2f%%\n", words[i].text, words[i].count, 100.0 * words[i].count / total);
    char joined[256] = "";
    for (size_t i = used; i-- > used - 3;) {
        strcat(joined, words[i].text);
        if (i > used - 3) strcat(joined, "+");
    }
    printf("rarest: %s\n", joined);
    for (size_t i = 0; i < used; i++) free(words[i].text);
    free(words);
    return 0;
}
