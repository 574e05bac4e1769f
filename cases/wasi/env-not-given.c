/* Hostile: looks for the host's environment. The case grants one variable; HOME, PATH,
   USER and the rest of the host's must not be there. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(void) {
    const char *names[] = {"HOME", "PATH", "USER", "SHELL", "PWD", "LANG", "TMPDIR",
                           "WASM_MATRIX_CACHE", "GIVEN"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const char *value = getenv(names[i]);
        printf("%s: %s\n", names[i], value ? "set" : "not set");
    }
    int count = 0;
    for (char **entry = environ; entry && *entry; entry++) count++;
    printf("environ has %d entries\n", count);
    return 0;
}
