/* argv and the environment: exactly what the case grants, nothing of the host's. */
#include <stdio.h>
#include <stdlib.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(not set)");
    const char *empty = getenv("EMPTY");
    printf("EMPTY is %s\n", empty ? (*empty ? "not empty" : "set and empty") : "not set");
    printf("MISSING is %s\n", getenv("MISSING") ? "set" : "not set");
    int count = 0;
    for (char **entry = environ; entry && *entry; entry++) count++;
    printf("environ has %d entries\n", count);
    return 0;
}
