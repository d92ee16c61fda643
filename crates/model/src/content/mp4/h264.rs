//! A minimal H.264 stream (ITU-T H.264, Constrained Baseline profile, CAVLC), written bit by
//! bit: a mid-grey picture, then pictures that repeat it.
//!
//! - The sequence parameter set (§7.3.2.1.1): frame numbers of 16 bits, picture order from
//!   the frame number (type 2, no reordering), one reference frame, the size in macroblocks
//!   with a crop for heights that are not a multiple of 16.
//! - The picture parameter set (§7.3.2.2): CAVLC, one slice group, QP 26.
//! - The IDR picture (§7.3.3, §7.3.4): every macroblock `I_16x16_2_0_0` (DC prediction, no
//!   coefficients), so each one is the same 8 bits and the picture is grey (128).
//! - Each following picture: a P slice whose macroblocks are all skipped (one `mb_skip_run`),
//!   a copy of the previous picture, a few bytes.

/// Writes bits most significant first, with Exp-Golomb codes (§9.1).
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn new() -> Bits {
        Bits { out: Vec::new(), acc: 0, n: 0 }
    }

    /// The low `count` bits of `value` (at most 32).
    fn u(&mut self, count: u32, value: u32) -> &mut Bits {
        self.acc = (self.acc << count) | u64::from(value) & ((1u64 << count) - 1);
        self.n += count;
        while self.n >= 8 {
            self.n -= 8;
            self.out.push((self.acc >> self.n) as u8);
        }
        self
    }

    /// ue(v): unsigned Exp-Golomb.
    fn ue(&mut self, value: u32) -> &mut Bits {
        let v = u64::from(value) + 1;
        let len = 64 - v.leading_zeros();
        self.u(len - 1, 0);
        // `v` has `len` bits (at most 33): its top bit then the rest.
        self.u(1, 1).u(len - 1, (v & ((1 << (len - 1)) - 1)) as u32)
    }

    /// The same byte `count` times, at whatever bit position the writer is.
    fn repeat(&mut self, byte: u8, count: u32) -> &mut Bits {
        if count == 0 {
            return self;
        }
        self.u(8, u32::from(byte));
        // From here every output byte is the same: the pending bits, then the byte's top.
        let n = self.n;
        let rotated = if n == 0 { byte } else { ((u32::from(byte) << (8 - n)) | (u32::from(byte) >> n)) as u8 };
        self.out.resize(self.out.len() + count as usize - 1, rotated);
        self
    }

    /// se(v): signed Exp-Golomb (only 0 is written here).
    fn se_zero(&mut self) -> &mut Bits {
        self.ue(0)
    }

    /// rbsp_trailing_bits: a one, then zeros to the byte boundary.
    fn finish(mut self) -> Vec<u8> {
        self.u(1, 1);
        if self.n > 0 {
            let pad = 8 - self.n;
            self.u(pad, 0);
        }
        self.out
    }
}

/// A NAL unit (§7.3.1): its header byte, then the payload with an emulation prevention byte
/// (0x03) after every two zeros that precede a byte of 3 or less.
fn nal(header: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + 8);
    out.push(header);
    let mut rest = rbsp;
    // Copy up to each pair of zeros, then the byte after it, escaped if it is 3 or less.
    while let Some(z) = rest.windows(2).position(|w| w == [0, 0]) {
        out.extend_from_slice(&rest[..z + 2]);
        rest = &rest[z + 2..];
        if rest.first().is_some_and(|&b| b <= 3) {
            out.push(3);
        }
    }
    out.extend_from_slice(rest);
    out
}

/// A picture size and what follows from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
}

/// log2(MaxFrameNum) (§7.4.2.1.1): frame numbers of 4 bits, which wrap every 16 pictures
/// (as x264's do). No run of zeros in these slices is long enough to need an emulation
/// prevention byte, so every P slice of a picture size has the same length.
const FRAME_NUM_BITS: u32 = 4;
/// The frame numbers there are: picture `k` has `k % FRAME_NUMS`.
pub const FRAME_NUMS: u32 = 1 << FRAME_NUM_BITS;

impl Picture {
    fn mbs_wide(self) -> u32 {
        self.width.div_ceil(16)
    }

    fn mbs_high(self) -> u32 {
        self.height.div_ceil(16)
    }

    /// level_idc (Table A-1): the smallest level whose frame size holds the picture.
    pub fn level(self) -> u8 {
        match self.mbs_wide() * self.mbs_high() {
            0..=792 => 21,
            793..=1620 => 30,
            1621..=3600 => 31,
            _ => 40,
        }
    }

    /// The sequence parameter set NAL unit.
    pub fn sps(self) -> Vec<u8> {
        let mut b = Bits::new();
        // profile_idc 66 (Baseline), constraint_set0 and 1 (Constrained Baseline), level.
        b.u(8, 66).u(8, 0xC0).u(8, u32::from(self.level()));
        b.ue(0).ue(FRAME_NUM_BITS - 4).ue(2).ue(1).u(1, 0);
        b.ue(self.mbs_wide() - 1).ue(self.mbs_high() - 1);
        // frame_mbs_only, direct_8x8_inference; the crop (in 2-pixel units for 4:2:0).
        b.u(1, 1).u(1, 1);
        let (crop_right, crop_bottom) =
            ((self.mbs_wide() * 16 - self.width) / 2, (self.mbs_high() * 16 - self.height) / 2);
        if crop_right + crop_bottom > 0 {
            b.u(1, 1).ue(0).ue(crop_right).ue(0).ue(crop_bottom);
        } else {
            b.u(1, 0);
        }
        // No VUI: the container gives the timing.
        b.u(1, 0);
        nal(0x67, &b.finish())
    }

    /// The picture parameter set NAL unit.
    pub fn pps(self) -> Vec<u8> {
        let mut b = Bits::new();
        // pps 0 of sps 0, CAVLC, no field order, one slice group, one reference each way,
        // no weighted prediction, QP and QS 26, no chroma QP offset, the deblocking filter on
        // by default, unconstrained intra prediction, no redundant pictures.
        b.ue(0).ue(0).u(1, 0).u(1, 0).ue(0).ue(0).ue(0).u(1, 0).u(2, 0);
        b.se_zero().se_zero().se_zero().u(1, 0).u(1, 0).u(1, 0);
        nal(0x68, &b.finish())
    }

    /// The IDR picture: one I slice of grey macroblocks.
    pub fn idr(self) -> Vec<u8> {
        let mut b = Bits::new();
        // first_mb_in_slice 0, slice_type 7 (I, all slices), pps 0, frame_num 0, idr_pic_id 0;
        // dec_ref_pic_marking: no_output_of_prior_pics 0, long_term_reference 0; QP delta 0.
        b.ue(0).ue(7).ue(0).u(FRAME_NUM_BITS, 0).ue(0).u(1, 0).u(1, 0).se_zero();
        // Each macroblock: mb_type 3 (I_16x16, DC prediction, no chroma or luma
        // coefficients), intra_chroma_pred_mode 0 (DC), mb_qp_delta 0, and the
        // Intra16x16DCLevel block's coeff_token for no coefficients with nC 0: `1`.
        b.repeat(0b0010_0111, self.mbs_wide() * self.mbs_high());
        nal(0x65, &b.finish())
    }

    /// Picture `frame_num` (1 and up) after the IDR: every macroblock skipped.
    pub fn skipped(self, frame_num: u32) -> Vec<u8> {
        let mut b = Bits::new();
        // first_mb_in_slice 0, slice_type 5 (P, all slices), pps 0, frame_num;
        // num_ref_idx_active_override 0, ref_pic_list_modification_flag_l0 0,
        // adaptive_ref_pic_marking_mode 0, QP delta 0; then one skip run over the picture.
        b.ue(0).ue(5).ue(0).u(FRAME_NUM_BITS, frame_num % FRAME_NUMS).u(1, 0).u(1, 0).u(1, 0).se_zero();
        b.ue(self.mbs_wide() * self.mbs_high());
        nal(0x41, &b.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_codes() {
        let code = |v: u32| {
            let mut b = Bits::new();
            b.ue(v);
            (b.out.clone(), b.acc & ((1 << b.n) - 1), b.n)
        };
        // 0 -> 1, 1 -> 010, 2 -> 011, 3 -> 00100, 7 -> 0001000.
        assert_eq!(code(0), (vec![], 1, 1));
        assert_eq!(code(1), (vec![], 0b010, 3));
        assert_eq!(code(2), (vec![], 0b011, 3));
        assert_eq!(code(3), (vec![], 0b00100, 5));
        assert_eq!(code(7), (vec![], 0b0001000, 7));
        assert_eq!(code(8159), (vec![0, 0x0F, 0xF0], 0, 1));
    }

    #[test]
    fn repeated_bytes_match_bit_by_bit_writing() {
        for lead in 0..8 {
            let (mut a, mut b) = (Bits::new(), Bits::new());
            a.u(lead, 0b101).repeat(0x27, 5);
            b.u(lead, 0b101);
            for _ in 0..5 {
                b.u(8, 0x27);
            }
            assert_eq!(a.finish(), b.finish(), "after {lead} bits");
        }
    }

    #[test]
    fn emulation_prevention() {
        assert_eq!(nal(0x41, &[0, 0, 1, 0, 0, 0, 5]), vec![0x41, 0, 0, 3, 1, 0, 0, 3, 0, 5]);
        assert_eq!(nal(0x41, &[7, 0, 0, 0, 0, 4]), vec![0x41, 7, 0, 0, 3, 0, 0, 4]);
        assert_eq!(nal(0x41, &[0, 0]), vec![0x41, 0, 0]);
    }

    #[test]
    fn parameter_sets_have_known_bytes() {
        let p = Picture { width: 1280, height: 720 };
        // 42 C0 1F, then ue(0) ue(0) ue(2) ue(1) 0 ue(79) ue(44) 1 1 0 0 and the stop bit:
        // 1 1 011 010 0 0000001010000 00000101101 1 1 0 0 1.
        assert_eq!(p.sps(), [0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xE4]);
        assert_eq!(p.pps(), [0x68, 0xCE, 0x38, 0x80]);
        // No slice needs an emulation prevention byte, so P slices all have one length.
        for pic in [p, Picture { width: 1920, height: 1080 }, Picture { width: 160, height: 90 }] {
            let len = pic.skipped(0).len();
            assert!((1..FRAME_NUMS).all(|k| pic.skipped(k).len() == len), "{pic:?}");
            assert!(!pic.idr().windows(3).any(|w| w == [0, 0, 3]), "{pic:?}");
            assert!((0..FRAME_NUMS).all(|k| !pic.skipped(k).windows(3).any(|w| w == [0, 0, 3])), "{pic:?}");
        }
    }
}
