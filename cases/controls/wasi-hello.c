/* A WASI command for the controls: one line on stdout, exit code 0. Its cases expect
   something slightly different, on purpose. */
#include <stdio.h>

int main(void) {
    puts("Hello, WASI!");
    return 0;
}
