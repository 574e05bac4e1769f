/* Globals: state that persists between calls on one instance (in linear memory and in
   the stack-pointer global), of several types. */
static int counter;
static long long total = 1000;
static double average;
static int history[8];

__attribute__((export_name("next"))) int next(void) { return ++counter; }

__attribute__((export_name("add"))) long long add(long long x) {
    history[counter & 7] = (int)x;
    total += x;
    counter++;
    average = (double)total / counter;
    return total;
}

__attribute__((export_name("mean"))) double mean(void) { return average; }
__attribute__((export_name("count"))) int count(void) { return counter; }
__attribute__((export_name("recent"))) int recent(int i) { return history[i & 7]; }

__attribute__((export_name("reset"))) void reset(void) {
    counter = 0;
    total = 1000;
    average = 0;
    for (int i = 0; i < 8; i++) history[i] = 0;
}
