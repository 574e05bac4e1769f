/* A filter: numbers and upper-cases each line of stdin, then counts lines and bytes. */
#include <ctype.h>
#include <stdio.h>

int main(void) {
    char line[4096];
    int lines = 0;
    long bytes = 0;
    int at_start = 1;
    int c;
    size_t length = 0;
    while ((c = getchar()) != EOF) {
        bytes++;
        if (c == '\n') {
            line[length] = '\0';
            printf("%d: %s\n", ++lines, line);
            length = 0;
            at_start = 1;
            continue;
        }
        at_start = 0;
        if (length < sizeof line - 1) line[length++] = (char)toupper(c);
    }
    if (!at_start) {
        line[length] = '\0';
        printf("%d: %s\n", ++lines, line);
    }
    printf("%d lines, %ld bytes\n", lines, bytes);
    return 0;
}
