/* Hostile: writes to a read-only preopen. Appending, creating, making a folder, removing
   and renaming must all be refused with a WASI error, and the file must be unchanged. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void report(const char *what, int failed) {
    printf("%s: %s\n", what, failed ? "refused" : "ALLOWED");
    if (failed) fprintf(stderr, "%s: %s\n", what, strerror(errno));
}

int main(void) {
    FILE *append = fopen("data/numbers.txt", "a");
    if (append) {
        fputs("666\n", append);
        fclose(append);
    }
    report("append to data/numbers.txt", append == NULL);
    FILE *create = fopen("data/new.txt", "w");
    if (create) fclose(create);
    report("create data/new.txt", create == NULL);
    report("mkdir data/folder", mkdir("data/folder", 0755) != 0);
    report("remove data/sub/note.txt", unlink("data/sub/note.txt") != 0);
    report("rename data/numbers.txt", rename("data/numbers.txt", "data/moved.txt") != 0);
    FILE *numbers = fopen("data/numbers.txt", "r");
    int lines = 0, c;
    while (numbers && (c = fgetc(numbers)) != EOF) lines += c == '\n';
    if (numbers) fclose(numbers);
    printf("data/numbers.txt has %d lines\n", lines);
    return 0;
}
