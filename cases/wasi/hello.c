/* The smallest WASI command: one line on stdout, exit code 0. */
#include <stdio.h>

int main(void) {
    puts("Hello, WASI!");
    return 0;
}
