/* A dense switch that compiles to br_table: each case computes something different, so it
   cannot become a lookup table of constants. */
__attribute__((export_name("step"))) int step(int op, int x) {
    switch (op) {
    case 0: return x + 1;
    case 1: return x * 3;
    case 2: return x ^ 0x55;
    case 3: return x << 2;
    case 4: return (int)((unsigned)x >> 1);
    case 5: return x - 100;
    case 6: return ~x;
    case 7: return x * x;
    case 8: return x & 0xFF;
    case 9: return -x;
    default: return 0x7FFF0000 | op;
    }
}

/* A tiny bytecode interpreter: a program of op codes packed 4 bits each, run on x. */
__attribute__((export_name("run"))) int run(int program, int x) {
    unsigned p = (unsigned)program;
    for (int i = 0; i < 8; i++, p >>= 4) {
        unsigned op = p & 15;
        if (op == 15) break;
        x = step((int)op, x);
    }
    return x;
}
