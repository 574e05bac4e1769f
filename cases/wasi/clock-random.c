/* Uses the clocks and the random source without depending on their values: real time is
   after 2020, monotonic time never goes back, two random draws differ. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec now, first, second;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) return 1;
    puts(now.tv_sec > 1577836800 ? "realtime: after 2020" : "realtime: before 2020?");
    if (clock_gettime(CLOCK_MONOTONIC, &first) != 0) return 1;
    volatile unsigned spin = 0;
    for (unsigned i = 0; i < 1000; i++) spin += i;
    if (clock_gettime(CLOCK_MONOTONIC, &second) != 0) return 1;
    int forward = second.tv_sec > first.tv_sec ||
                  (second.tv_sec == first.tv_sec && second.tv_nsec >= first.tv_nsec);
    puts(forward ? "monotonic: never goes back" : "monotonic: went back");
    unsigned char a[32], b[32];
    if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0) {
        puts("random: getentropy failed");
        return 1;
    }
    puts(memcmp(a, b, sizeof a) != 0 ? "random: two draws differ" : "random: two equal draws");
    return 0;
}
