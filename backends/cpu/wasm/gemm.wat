;; f32 gemm with WebAssembly SIMD: c = op(a)·op(b), rows [lo, hi) of c per call, so that threads
;; sharing the (imported, shared) memory can each compute a band of rows. Assembled by build.ts.
;;
;; Blocking (GotoBLAS style): for each KC slice of k and NC slice of the columns, B is packed
;; into KC×16 column panels; for each MC slice of the rows, A is packed into 2×KC row panels;
;; then a 2×16 register tile (8 f32x4 accumulators) runs over the slice, the B panel staying in
;; L1 while the A panels stream from L2. Transposes are absorbed by the packing, which reads
;; op(a)[i,p] at a + i*ars + p*aps (and op(b)[p,j] at b + j*bjs + p*bps).
;; c is a padded [mp, np] buffer (mp = m rounded up to 2, np = n rounded up to 16) so every tile
;; is full. Padding lanes of the packed panels only reach padding of c, which is never copied out;
;; they are zeroed anyway so stale scratch (say, denormals) cannot slow the arithmetic.
;; Each c element is accumulated over k in ascending order, so results are deterministic
;; (plain f32x4 mul then add: no fused or relaxed operations), and the same whichever band of
;; rows a call computes: an element's sum never depends on the other rows.
(module
  (import "env" "memory" (memory 1 16384 shared))

  (global (export "MR") i32 (i32.const 2))
  (global (export "NR") i32 (i32.const 16))
  (global $KC (export "KC") i32 (i32.const 256))
  (global $MC (export "MC") i32 (i32.const 64))
  (global $NC (export "NC") i32 (i32.const 512))

  ;; Steps [p, kc) of a packing: element (r, q) of a strip, at src + r*rs + q*ps, goes to
  ;; out + (q*width + r)*4; rows r ≥ rows are zero.
  (func $pack_scalar (param $src i32) (param $rs i32) (param $ps i32) (param $rows i32) (param $width i32)
                     (param $p i32) (param $kc i32) (param $out i32)
    (local $r i32) (local $q i32) (local $s i32) (local $o i32) (local $ostride i32)
    (if (i32.ge_u (local.get $p) (local.get $kc)) (then (return)))
    (local.set $ostride (i32.shl (local.get $width) (i32.const 2)))
    (loop $lr
      (local.set $q (local.get $p))
      (local.set $o (i32.add (local.get $out)
        (i32.add (i32.mul (local.get $q) (local.get $ostride)) (i32.shl (local.get $r) (i32.const 2)))))
      (if (i32.lt_u (local.get $r) (local.get $rows))
        (then
          (local.set $s (i32.add (local.get $src)
            (i32.add (i32.mul (local.get $r) (local.get $rs)) (i32.mul (local.get $q) (local.get $ps)))))
          (loop $lp
            (f32.store (local.get $o) (f32.load (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $ps)))
            (local.set $o (i32.add (local.get $o) (local.get $ostride)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br_if $lp (i32.lt_u (local.get $q) (local.get $kc)))))
        (else
          (loop $lz
            (f32.store (local.get $o) (f32.const 0))
            (local.set $o (i32.add (local.get $o) (local.get $ostride)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (br_if $lz (i32.lt_u (local.get $q) (local.get $kc))))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $lr (i32.lt_u (local.get $r) (local.get $width)))))

  ;; Packs `rows` (≤ 2) rows of A over kc steps into a 2-wide panel at out.
  (func $pack_a (param $src i32) (param $rs i32) (param $ps i32) (param $rows i32) (param $kc i32) (param $out i32)
    (local $p i32) (local $kc4 i32) (local $s0 i32) (local $s1 i32) (local $o i32) (local $r0 v128) (local $r1 v128)
    (if (i32.eq (local.get $rows) (i32.const 2))
      (then
        (if (i32.eq (local.get $rs) (i32.const 4))
          (then
            ;; Both rows adjacent at each step: one 8-byte copy per step.
            (loop $lp
              (i64.store (local.get $out) (i64.load (local.get $src)))
              (local.set $src (i32.add (local.get $src) (local.get $ps)))
              (local.set $out (i32.add (local.get $out) (i32.const 8)))
              (local.set $kc (i32.sub (local.get $kc) (i32.const 1)))
              (br_if $lp (local.get $kc)))
            (return)))
        (if (i32.eq (local.get $ps) (i32.const 4))
          (then
            ;; Rows contiguous along k: interleave four steps at a time.
            (local.set $kc4 (i32.and (local.get $kc) (i32.const -4)))
            (local.set $s0 (local.get $src))
            (local.set $s1 (i32.add (local.get $src) (local.get $rs)))
            (local.set $o (local.get $out))
            (block $done
              (loop $lp
                (br_if $done (i32.ge_u (local.get $p) (local.get $kc4)))
                (local.set $r0 (v128.load (local.get $s0)))
                (local.set $r1 (v128.load (local.get $s1)))
                (v128.store (local.get $o)
                  (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
                (v128.store offset=16 (local.get $o)
                  (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
                (local.set $s0 (i32.add (local.get $s0) (i32.const 16)))
                (local.set $s1 (i32.add (local.get $s1) (i32.const 16)))
                (local.set $o (i32.add (local.get $o) (i32.const 32)))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $lp)))
            (call $pack_scalar (local.get $src) (local.get $rs) (local.get $ps) (i32.const 2) (i32.const 2)
              (local.get $kc4) (local.get $kc) (local.get $out))
            (return)))))
    (call $pack_scalar (local.get $src) (local.get $rs) (local.get $ps) (local.get $rows) (i32.const 2)
      (i32.const 0) (local.get $kc) (local.get $out)))

  ;; Packs `rows` (≤ 16) columns of B over kc steps into a 16-wide panel at out.
  (func $pack_b (param $src i32) (param $rs i32) (param $ps i32) (param $rows i32) (param $kc i32) (param $out i32)
    (local $p i32) (local $r i32) (local $kc4 i32) (local $s i32) (local $o i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128) (local $t0 v128) (local $t1 v128)
    (if (i32.eq (local.get $rows) (i32.const 16))
      (then
        (if (i32.eq (local.get $rs) (i32.const 4))
          (then
            ;; The 16 columns are adjacent at each step: four f32x4 copies per step.
            (loop $lp
              (v128.store (local.get $out) (v128.load (local.get $src)))
              (v128.store offset=16 (local.get $out) (v128.load offset=16 (local.get $src)))
              (v128.store offset=32 (local.get $out) (v128.load offset=32 (local.get $src)))
              (v128.store offset=48 (local.get $out) (v128.load offset=48 (local.get $src)))
              (local.set $src (i32.add (local.get $src) (local.get $ps)))
              (local.set $out (i32.add (local.get $out) (i32.const 64)))
              (local.set $kc (i32.sub (local.get $kc) (i32.const 1)))
              (br_if $lp (local.get $kc)))
            (return)))
        (if (i32.eq (local.get $ps) (i32.const 4))
          (then
            ;; Columns contiguous along k (b stored [n, k]): transpose 4×4 blocks.
            (local.set $kc4 (i32.and (local.get $kc) (i32.const -4)))
            (block $done
              (loop $lp
                (br_if $done (i32.ge_u (local.get $p) (local.get $kc4)))
                (local.set $r (i32.const 0))
                (loop $lr
                  (local.set $s (i32.add (local.get $src)
                    (i32.add (i32.mul (local.get $r) (local.get $rs)) (i32.shl (local.get $p) (i32.const 2)))))
                  (local.set $r0 (v128.load (local.get $s)))
                  (local.set $r1 (v128.load (i32.add (local.get $s) (local.get $rs))))
                  (local.set $s (i32.add (local.get $s) (i32.shl (local.get $rs) (i32.const 1))))
                  (local.set $r2 (v128.load (local.get $s)))
                  (local.set $r3 (v128.load (i32.add (local.get $s) (local.get $rs))))
                  ;; t0 = [r0.0 r1.0 r0.1 r1.1], t1 = [r0.2 r1.2 r0.3 r1.3]; r0, r1 likewise from r2, r3.
                  (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
                  (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
                  (local.set $r0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
                  (local.set $r1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
                  (local.set $o (i32.add (local.get $out)
                    (i32.add (i32.shl (local.get $p) (i32.const 6)) (i32.shl (local.get $r) (i32.const 2)))))
                  (v128.store (local.get $o)
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $r0)))
                  (v128.store offset=64 (local.get $o)
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $r0)))
                  (v128.store offset=128 (local.get $o)
                    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $r1)))
                  (v128.store offset=192 (local.get $o)
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $r1)))
                  (local.set $r (i32.add (local.get $r) (i32.const 4)))
                  (br_if $lr (i32.lt_u (local.get $r) (i32.const 16))))
                (local.set $p (i32.add (local.get $p) (i32.const 4)))
                (br $lp)))
            (call $pack_scalar (local.get $src) (local.get $rs) (local.get $ps) (i32.const 16) (i32.const 16)
              (local.get $kc4) (local.get $kc) (local.get $out))
            (return)))))
    (call $pack_scalar (local.get $src) (local.get $rs) (local.get $ps) (local.get $rows) (i32.const 16)
      (i32.const 0) (local.get $kc) (local.get $out)))

  ;; One 2×16 tile of c (row stride ldc bytes) over kc steps of a packed A panel (2 floats per
  ;; step) and a packed B panel (16 floats per step). Stores the sums, or adds them to c if acc.
  (func $tile (param $pa i32) (param $pb i32) (param $kc i32) (param $c i32) (param $ldc i32) (param $acc i32)
    (local $end i32) (local $a v128) (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c03 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (local.set $end (i32.add (local.get $pb) (i32.shl (local.get $kc) (i32.const 6))))
    (loop $lk
      (local.set $b0 (v128.load (local.get $pb)))
      (local.set $b1 (v128.load offset=16 (local.get $pb)))
      (local.set $b2 (v128.load offset=32 (local.get $pb)))
      (local.set $b3 (v128.load offset=48 (local.get $pb)))
      (local.set $a (v128.load32_splat (local.get $pa)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $c02 (f32x4.add (local.get $c02) (f32x4.mul (local.get $a) (local.get $b2))))
      (local.set $c03 (f32x4.add (local.get $c03) (f32x4.mul (local.get $a) (local.get $b3))))
      (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $a) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $a) (local.get $b1))))
      (local.set $c12 (f32x4.add (local.get $c12) (f32x4.mul (local.get $a) (local.get $b2))))
      (local.set $c13 (f32x4.add (local.get $c13) (f32x4.mul (local.get $a) (local.get $b3))))
      (local.set $pa (i32.add (local.get $pa) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 64)))
      (br_if $lk (i32.ne (local.get $pb) (local.get $end))))
    (if (local.get $acc)
      (then
        (local.set $c00 (f32x4.add (v128.load (local.get $c)) (local.get $c00)))
        (local.set $c01 (f32x4.add (v128.load offset=16 (local.get $c)) (local.get $c01)))
        (local.set $c02 (f32x4.add (v128.load offset=32 (local.get $c)) (local.get $c02)))
        (local.set $c03 (f32x4.add (v128.load offset=48 (local.get $c)) (local.get $c03)))
        (local.set $end (i32.add (local.get $c) (local.get $ldc)))
        (local.set $c10 (f32x4.add (v128.load (local.get $end)) (local.get $c10)))
        (local.set $c11 (f32x4.add (v128.load offset=16 (local.get $end)) (local.get $c11)))
        (local.set $c12 (f32x4.add (v128.load offset=32 (local.get $end)) (local.get $c12)))
        (local.set $c13 (f32x4.add (v128.load offset=48 (local.get $end)) (local.get $c13)))))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store offset=32 (local.get $c) (local.get $c02))
    (v128.store offset=48 (local.get $c) (local.get $c03))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (v128.store (local.get $c) (local.get $c10))
    (v128.store offset=16 (local.get $c) (local.get $c11))
    (v128.store offset=32 (local.get $c) (local.get $c12))
    (v128.store offset=48 (local.get $c) (local.get $c13)))

  (func $min (param $x i32) (param $y i32) (result i32)
    (select (local.get $x) (local.get $y) (i32.lt_s (local.get $x) (local.get $y))))

  ;; Rows [lo, hi) of c[mp, np] = op(a)·op(b) for m, n, k ≥ 1 (lo and hi even, hi ≤ mp). a, b, c,
  ;; pa, pb are byte addresses; pa and pb are this call's scratch for MC×KC and KC×NC floats.
  ;; ta: a is stored [k, m]; tb: b is stored [n, k].
  (func (export "gemm") (param $m i32) (param $n i32) (param $k i32) (param $ta i32) (param $tb i32)
        (param $a i32) (param $b i32) (param $c i32) (param $pa i32) (param $pb i32)
        (param $lo i32) (param $hi i32)
    (local $ars i32) (local $aps i32) (local $bjs i32) (local $bps i32)
    (local $mp i32) (local $np i32) (local $ldc i32)
    (local $p0 i32) (local $kc i32) (local $j0 i32) (local $nc i32) (local $i0 i32) (local $mc i32)
    (local $jr i32) (local $ir i32) (local $ai i32) (local $bj i32)
    (if (local.get $ta)
      (then (local.set $ars (i32.const 4)) (local.set $aps (i32.shl (local.get $m) (i32.const 2))))
      (else (local.set $ars (i32.shl (local.get $k) (i32.const 2))) (local.set $aps (i32.const 4))))
    (if (local.get $tb)
      (then (local.set $bjs (i32.shl (local.get $k) (i32.const 2))) (local.set $bps (i32.const 4)))
      (else (local.set $bjs (i32.const 4)) (local.set $bps (i32.shl (local.get $n) (i32.const 2)))))
    (local.set $mp (i32.and (i32.add (local.get $m) (i32.const 1)) (i32.const -2)))
    (local.set $np (i32.and (i32.add (local.get $n) (i32.const 15)) (i32.const -16)))
    (local.set $ldc (i32.shl (local.get $np) (i32.const 2)))
    (loop $lp
      (local.set $kc (call $min (global.get $KC) (i32.sub (local.get $k) (local.get $p0))))
      (local.set $j0 (i32.const 0))
      (loop $lj
        (local.set $nc (call $min (global.get $NC) (i32.sub (local.get $np) (local.get $j0))))
        (local.set $jr (i32.const 0))
        (loop $lpb
          (local.set $bj (i32.add (local.get $j0) (local.get $jr)))
          (call $pack_b
            (i32.add (local.get $b)
              (i32.add (i32.mul (local.get $bj) (local.get $bjs)) (i32.mul (local.get $p0) (local.get $bps))))
            (local.get $bjs) (local.get $bps)
            (call $min (i32.const 16) (i32.sub (local.get $n) (local.get $bj)))
            (local.get $kc)
            (i32.add (local.get $pb) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2))))
          (local.set $jr (i32.add (local.get $jr) (i32.const 16)))
          (br_if $lpb (i32.lt_u (local.get $jr) (local.get $nc))))
        (local.set $i0 (local.get $lo))
        (loop $li
          (local.set $mc (call $min (global.get $MC) (i32.sub (local.get $hi) (local.get $i0))))
          (local.set $ir (i32.const 0))
          (loop $lpa
            (local.set $ai (i32.add (local.get $i0) (local.get $ir)))
            (call $pack_a
              (i32.add (local.get $a)
                (i32.add (i32.mul (local.get $ai) (local.get $ars)) (i32.mul (local.get $p0) (local.get $aps))))
              (local.get $ars) (local.get $aps)
              (call $min (i32.const 2) (i32.sub (local.get $m) (local.get $ai)))
              (local.get $kc)
              (i32.add (local.get $pa) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2))))
            (local.set $ir (i32.add (local.get $ir) (i32.const 2)))
            (br_if $lpa (i32.lt_u (local.get $ir) (local.get $mc))))
          (local.set $jr (i32.const 0))
          (loop $ljr
            (local.set $ir (i32.const 0))
            (loop $lir
              (call $tile
                (i32.add (local.get $pa) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2)))
                (i32.add (local.get $pb) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 2)))
                (local.get $kc)
                (i32.add (local.get $c)
                  (i32.shl
                    (i32.add (i32.mul (i32.add (local.get $i0) (local.get $ir)) (local.get $np))
                             (i32.add (local.get $j0) (local.get $jr)))
                    (i32.const 2)))
                (local.get $ldc)
                (local.get $p0))
              (local.set $ir (i32.add (local.get $ir) (i32.const 2)))
              (br_if $lir (i32.lt_u (local.get $ir) (local.get $mc))))
            (local.set $jr (i32.add (local.get $jr) (i32.const 16)))
            (br_if $ljr (i32.lt_u (local.get $jr) (local.get $nc))))
          (local.set $i0 (i32.add (local.get $i0) (global.get $MC)))
          (br_if $li (i32.lt_u (local.get $i0) (local.get $hi))))
        (local.set $j0 (i32.add (local.get $j0) (global.get $NC)))
        (br_if $lj (i32.lt_u (local.get $j0) (local.get $np))))
      (local.set $p0 (i32.add (local.get $p0) (global.get $KC)))
      (br_if $lp (i32.lt_u (local.get $p0) (local.get $k)))))
)
