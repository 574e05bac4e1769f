/* Hostile: tries to leave its preopens. `..` out of `data`, an absolute path, and
   symbolic links it makes in the read-write `out` that point out of the sandbox. An
   engine must refuse each open with a WASI error; the program says what it saw. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void try_open(const char *path) {
    FILE *file = fopen(path, "r");
    if (!file) {
        printf("open %s: refused\n", path);
        fprintf(stderr, "open %s: %s\n", path, strerror(errno));
        return;
    }
    fclose(file);
    /* What was read is not shown: it may be the host's. */
    printf("open %s: OPENED\n", path);
}

int main(void) {
    try_open("data/../secret.txt");
    try_open("data/sub/../../secret.txt");
    try_open("data/../../../../../../etc/passwd");
    try_open("/etc/passwd");
    /* The links themselves may or may not be made; following them must fail. */
    if (symlink("../secret.txt", "out/up-link") != 0)
        fprintf(stderr, "symlink out/up-link: %s\n", strerror(errno));
    if (symlink("/etc/passwd", "out/absolute-link") != 0)
        fprintf(stderr, "symlink out/absolute-link: %s\n", strerror(errno));
    try_open("out/up-link");
    try_open("out/absolute-link");
    return 0;
}
