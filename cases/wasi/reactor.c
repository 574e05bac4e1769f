/* A WASI reactor: `_initialize` runs the constructors, then the case calls exports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int counter = 10;
static char *greeting;

__attribute__((constructor)) static void set_up(void) {
    greeting = malloc(16);
    strcpy(greeting, "ready");
}

__attribute__((export_name("greeting_length"))) int greeting_length(void) {
    return greeting ? (int)strlen(greeting) : -1;
}

__attribute__((export_name("bump"))) int bump(int by) {
    counter += by;
    printf("bumped by %d to %d\n", by, counter);
    fflush(stdout);
    return counter;
}
