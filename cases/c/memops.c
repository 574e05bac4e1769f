/* memcpy / memset / memmove over a buffer in linear memory. The __builtin_ forms let the
   compiler emit memory.copy / memory.fill when bulk-memory is on, and calls to the
   freestanding memcpy / memset / memmove when it is off. */

static unsigned char buf[256];

/* Fill [at, at+n) with the byte, clipped to the buffer. */
__attribute__((export_name("fill"))) void fill(int at, int byte, int n) {
    if (at < 0 || n < 0 || at > 256 || n > 256 - at) return;
    __builtin_memset(buf + at, byte, (unsigned long)n);
}

__attribute__((export_name("copy"))) void copy(int to, int from, int n) {
    if (to < 0 || from < 0 || n < 0 || to > 256 - n || from > 256 - n) return;
    __builtin_memmove(buf + to, buf + from, (unsigned long)n);
}

/* Copy a block that cannot overlap (a second buffer, then back). */
__attribute__((export_name("roundtrip"))) void roundtrip(int to, int from, int n) {
    static unsigned char tmp[256];
    if (to < 0 || from < 0 || n < 0 || to > 256 - n || from > 256 - n) return;
    __builtin_memcpy(tmp, buf + from, (unsigned long)n);
    __builtin_memcpy(buf + to, tmp, (unsigned long)n);
}

/* Byte i is i*3+1 for the whole buffer. */
__attribute__((export_name("ramp"))) void ramp(void) {
    for (int i = 0; i < 256; i++) buf[i] = (unsigned char)(i * 3 + 1);
}

/* A position-weighted sum of the whole buffer: any misplaced byte changes it. */
__attribute__((export_name("digest"))) int digest(void) {
    unsigned h = 0;
    for (int i = 0; i < 256; i++) h = h * 31 + buf[i];
    return (int)h;
}

__attribute__((export_name("at"))) int at(int i) { return i >= 0 && i < 256 ? buf[i] : -1; }
