/* Exits with the code given as its argument, after a line on stderr. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int code = argc > 1 ? atoi(argv[1]) : 1;
    fprintf(stderr, "exiting with %d on purpose\n", code);
    exit(code);
}
