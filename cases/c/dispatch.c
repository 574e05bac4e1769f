/* A function-pointer dispatch table: `apply` makes an indirect call (call_indirect). */
typedef int (*binop)(int, int);

/* Wrapping arithmetic through unsigned: signed overflow would be undefined in C. */
static int op_add(int a, int b) { return (int)((unsigned)a + (unsigned)b); }
static int op_sub(int a, int b) { return (int)((unsigned)a - (unsigned)b); }
static int op_mul(int a, int b) { return (int)((unsigned)a * (unsigned)b); }
static int op_min(int a, int b) { return a < b ? a : b; }
static int op_xor(int a, int b) { return a ^ b; }

/* Not const: the table lives in memory, so the compiler cannot fold the calls away. */
static binop table[] = {op_add, op_sub, op_mul, op_min, op_xor};
#define N_OPS (int)(sizeof table / sizeof table[0])

__attribute__((export_name("apply"))) int apply(int op, int a, int b) {
    if (op < 0 || op >= N_OPS) return -1;
    return table[op](a, b);
}

/* Swap two slots of the table, so later calls go elsewhere. */
__attribute__((export_name("swap"))) int swap(int i, int j) {
    if (i < 0 || i >= N_OPS || j < 0 || j >= N_OPS) return 0;
    binop t = table[i];
    table[i] = table[j];
    table[j] = t;
    return 1;
}

/* Fold 1..n with the operation: many indirect calls in a loop. */
__attribute__((export_name("fold"))) int fold(int op, int n) {
    if (op < 0 || op >= N_OPS) return -1;
    int acc = 0;
    for (int i = 1; i <= n; i++) acc = table[op](acc, i);
    return acc;
}
