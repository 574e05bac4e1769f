/* Sorting and checksums over linear memory: fill an array from a PRNG, sort it
   (insertion sort, then a quicksort), check the order, and hash the bytes (FNV-1a, Adler-32). */
static int data[512];
static int size;

__attribute__((export_name("generate"))) int generate(int n, int seed) {
    if (n < 0 || n > 512) return 0;
    unsigned s = (unsigned)seed;
    for (int i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        data[i] = (int)(s >> 8) - (1 << 23); /* signed values in [-2^23, 2^23) */
    }
    size = n;
    return n;
}

__attribute__((export_name("insertion_sort"))) void insertion_sort(void) {
    for (int i = 1; i < size; i++) {
        int v = data[i], j = i - 1;
        while (j >= 0 && data[j] > v) { data[j + 1] = data[j]; j--; }
        data[j + 1] = v;
    }
}

static void quick(int lo, int hi) {
    while (lo < hi) {
        int pivot = data[lo + (hi - lo) / 2], i = lo, j = hi;
        while (i <= j) {
            while (data[i] < pivot) i++;
            while (data[j] > pivot) j--;
            if (i <= j) { int t = data[i]; data[i] = data[j]; data[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quick(lo, j); lo = i; } else { quick(i, hi); hi = j; }
    }
}
__attribute__((export_name("quicksort"))) void quicksort(void) { quick(0, size - 1); }

__attribute__((export_name("is_sorted"))) int is_sorted(void) {
    for (int i = 1; i < size; i++) if (data[i - 1] > data[i]) return 0;
    return 1;
}

__attribute__((export_name("get"))) int get(int i) { return i >= 0 && i < size ? data[i] : 0; }

__attribute__((export_name("fnv1a"))) int fnv1a(void) {
    const unsigned char *p = (const unsigned char *)data;
    unsigned h = 2166136261u;
    for (int i = 0; i < size * 4; i++) h = (h ^ p[i]) * 16777619u;
    return (int)h;
}

__attribute__((export_name("adler32"))) int adler32(void) {
    const unsigned char *p = (const unsigned char *)data;
    unsigned a = 1, b = 0;
    for (int i = 0; i < size * 4; i++) { a = (a + p[i]) % 65521u; b = (b + a) % 65521u; }
    return (int)(b << 16 | a);
}
