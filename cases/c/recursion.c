/* Recursion: naive Fibonacci, Ackermann, mutual recursion, and a deep non-tail chain. */
__attribute__((export_name("fib"))) int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((export_name("ackermann"))) int ackermann(int m, int n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

static int is_odd(unsigned n);
__attribute__((noinline)) static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
__attribute__((noinline)) static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
__attribute__((export_name("even"))) int even(int n) { return is_even((unsigned)n); }

/* Sum of (i*i mod 1000003) for i in 1..n, recursing once per step (depth n). The modulo
   keeps clang from replacing the sum by a closed form, which needs 128-bit multiplication
   (__multi3, absent from a freestanding build). */
__attribute__((export_name("sumsq"))) long long sumsq(int n) {
    return n <= 0 ? 0 : (long long)n * n % 1000003 + sumsq(n - 1);
}

/* Moves needed for the towers of Hanoi, counted by recursion. */
static long long hanoi(int n, int from, int to, int via) {
    if (n == 0) return 0;
    return hanoi(n - 1, from, via, to) + 1 + hanoi(n - 1, via, to, from);
}
__attribute__((export_name("hanoi"))) long long hanoi_moves(int n) { return hanoi(n, 0, 2, 1); }
