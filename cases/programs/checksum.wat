;; Adler-32 and CRC-32 (IEEE, reflected, polynomial 0xEDB88320) over bytes of linear memory.
;; The inputs come from active data segments; used by checksum.yaml.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "Wikipedia")                                     ;; 9 bytes at 0
  (data (i32.const 16) "The quick brown fox jumps over the lazy dog")  ;; 43 bytes at 16

  ;; adler32(ptr, len): a = 1 + sum of bytes, b = sum of the a's, both mod 65521
  (func (export "adler32") (param $ptr i32) (param $len i32) (result i32)
    (local $a i32) (local $b i32) (local $end i32)
    (local.set $a (i32.const 1))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $a
          (i32.rem_u (i32.add (local.get $a) (i32.load8_u (local.get $ptr)))
                     (i32.const 65521)))
        (local.set $b
          (i32.rem_u (i32.add (local.get $b) (local.get $a)) (i32.const 65521)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $byte)))
    (i32.or (i32.shl (local.get $b) (i32.const 16)) (local.get $a)))

  ;; crc32(ptr, len), bit by bit: crc = (crc >> 1) ^ (0xEDB88320 & -(crc & 1))
  (func (export "crc32") (param $ptr i32) (param $len i32) (result i32)
    (local $crc i32) (local $end i32) (local $bit i32)
    (local.set $crc (i32.const -1))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $crc (i32.xor (local.get $crc) (i32.load8_u (local.get $ptr))))
        (local.set $bit (i32.const 8))
        (loop $shift
          (local.set $crc
            (i32.xor
              (i32.shr_u (local.get $crc) (i32.const 1))
              (i32.and (i32.const 0xEDB88320)
                       (i32.sub (i32.const 0) (i32.and (local.get $crc) (i32.const 1))))))
          (local.tee $bit (i32.sub (local.get $bit) (i32.const 1)))
          (br_if $shift))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $byte)))
    (i32.xor (local.get $crc) (i32.const -1))))
