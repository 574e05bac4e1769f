/* tinyhash: three small 32-bit hashes over a shared input buffer, for WebAssembly.

   A host writes bytes with `put(index, byte)` and asks for `hash(algorithm, length)`.
   The algorithms sit in a table of function pointers, so `hash` is a `call_indirect`:
   exactly the instruction whose encoding LLVM 19 changed (a 5-byte table index once
   reference-types is on by default), which older engines cannot decode. */

typedef unsigned int u32;
typedef unsigned char u8;

#define CAPACITY 4096
static u8 buffer[CAPACITY];

static u32 fnv1a(const u8 *data, u32 length) {
    u32 hash = 2166136261u;
    for (u32 i = 0; i < length; i++) {
        hash ^= data[i];
        hash *= 16777619u;
    }
    return hash;
}

static u32 adler32(const u8 *data, u32 length) {
    u32 a = 1, b = 0;
    for (u32 i = 0; i < length; i++) {
        a = (a + data[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

static u32 djb2(const u8 *data, u32 length) {
    u32 hash = 5381;
    for (u32 i = 0; i < length; i++) hash = hash * 33 + data[i];
    return hash;
}

typedef u32 (*hash_function)(const u8 *, u32);
/* volatile: keeps the table (and the indirect call) whatever the optimiser sees. */
static hash_function volatile algorithms[] = {fnv1a, adler32, djb2};

__attribute__((export_name("capacity"))) u32 capacity(void) { return CAPACITY; }

/* Stores one byte of input; an index past the buffer is ignored (returns 0). */
__attribute__((export_name("put"))) u32 put(u32 index, u32 byte) {
    if (index >= CAPACITY) return 0;
    buffer[index] = (u8)byte;
    return 1;
}

/* 0 = FNV-1a, 1 = Adler-32, 2 = djb2; an unknown algorithm traps (unreachable). */
__attribute__((export_name("hash"))) u32 hash(u32 algorithm, u32 length) {
    if (algorithm >= sizeof algorithms / sizeof algorithms[0] || length > CAPACITY)
        __builtin_trap();
    return algorithms[algorithm](buffer, length);
}
