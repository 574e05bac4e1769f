/* Byte strings in linear memory: copy a NUL-terminated string into a static buffer, then
   strlen, strchr, count, reverse in place, upper-case, palindrome check and FNV-1a over it. */
#define CAP 128
static unsigned char buf[CAP];

static const char *const texts[] = {
    "Hello, WebAssembly!",
    "The quick brown fox jumps over the lazy dog",
    "",
    "racecar",
};

/* Copy text `which` and its NUL into the buffer; its length, or -1 for no such text. */
__attribute__((export_name("load"))) int load(int which) {
    if (which < 0 || which >= (int)(sizeof texts / sizeof texts[0])) return -1;
    const char *s = texts[which];
    int i = 0;
    while (s[i]) { buf[i] = (unsigned char)s[i]; i++; }
    buf[i] = 0;
    return i;
}

/* Fill [0, n) with the byte (no NUL is written); n, or -1 when n does not fit. A memset:
   memory.fill with bulk-memory, a call to the support memset without. */
__attribute__((export_name("fill"))) int fill(int byte, int n) {
    if (n < 0 || n > CAP) return -1;
    __builtin_memset(buf, byte, (unsigned long)n);
    return n;
}

/* strlen, bounded by the buffer: a buffer without a NUL has length CAP. */
__attribute__((export_name("length"))) int length(void) {
    int n = 0;
    while (n < CAP && buf[n]) n++;
    return n;
}

__attribute__((export_name("at"))) int at(int i) { return i >= 0 && i < CAP ? buf[i] : -1; }

/* Store the low byte of `byte` at i; 1 if stored, 0 if i is outside the buffer. */
__attribute__((export_name("put"))) int put(int i, int byte) {
    if (i < 0 || i >= CAP) return 0;
    buf[i] = (unsigned char)byte;
    return 1;
}

/* strchr: the index of the first (ch & 0xFF) in the string, or -1. */
__attribute__((export_name("find"))) int find(int ch) {
    int n = length();
    for (int i = 0; i < n; i++) if (buf[i] == (unsigned char)ch) return i;
    return -1;
}

__attribute__((export_name("count"))) int count(int ch) {
    int n = length(), c = 0;
    for (int i = 0; i < n; i++) c += buf[i] == (unsigned char)ch;
    return c;
}

/* Reverse the string in place; its length. */
__attribute__((export_name("reverse"))) int reverse(void) {
    int n = length();
    for (int i = 0, j = n - 1; i < j; i++, j--) {
        unsigned char t = buf[i]; buf[i] = buf[j]; buf[j] = t;
    }
    return n;
}

/* ASCII a-z to A-Z in place; how many bytes changed. */
__attribute__((export_name("upper"))) int upper(void) {
    int n = length(), changed = 0;
    for (int i = 0; i < n; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z') { buf[i] = (unsigned char)(buf[i] - 32); changed++; }
    return changed;
}

__attribute__((export_name("is_palindrome"))) int is_palindrome(void) {
    int n = length();
    for (int i = 0, j = n - 1; i < j; i++, j--) if (buf[i] != buf[j]) return 0;
    return 1;
}

/* FNV-1a (32 bits) over the string's bytes, without the NUL. */
__attribute__((export_name("fnv1a"))) int fnv1a(void) {
    int n = length();
    unsigned h = 2166136261u;
    for (int i = 0; i < n; i++) h = (h ^ buf[i]) * 16777619u;
    return (int)h;
}
