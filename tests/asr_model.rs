//! The CTranslate2 → ggml importer: its pieces against references, and the real base model.

mod common;

use callqa::models::{self, f16_to_f32, f32_to_f16, mel_filters, vocab_bytes};
use common::repo;

/// Reads a little-endian f32 .npy (the format numpy writes): header, then the data.
fn read_npy_f32(path: &std::path::Path) -> (Vec<usize>, Vec<f32>) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..6], b"\x93NUMPY");
    let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
    let header = std::str::from_utf8(&b[10..10 + hlen]).unwrap();
    assert!(
        header.contains("'<f4'") && header.contains("'fortran_order': False"),
        "{header}"
    );
    let shape = header[header.find("'shape': (").unwrap() + 10..]
        .split(')')
        .next()
        .unwrap()
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let data = b[10 + hlen..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    (shape, data)
}

#[test]
fn mel_filterbank_matches_openai_whisper() {
    let (shape, reference) = read_npy_f32(&repo("tests/fixtures/whisper/mel_80.npy"));
    assert_eq!(shape, vec![80, 201]);
    let ours = mel_filters(16_000, 400, 80);
    assert_eq!(ours.len(), reference.len());
    let max_ref = reference.iter().cloned().fold(0.0f32, f32::max);
    let max_diff = ours
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        max_diff < 1e-6 * max_ref.max(1.0) + 1e-7,
        "max difference {max_diff} (peak {max_ref})"
    );
}

#[test]
fn half_floats_round_trip() {
    for v in [
        0.0f32,
        -0.0,
        1.0,
        -2.5,
        0.333_251_95,
        65504.0,
        6.1035156e-5,
        5.9604645e-8,
        -1.0e-6,
    ] {
        let h = f32_to_f16(v);
        let back = f16_to_f32(h);
        let tol = (v.abs() * 1e-3).max(6e-8);
        assert!((back - v).abs() <= tol, "{v} -> {h:#06x} -> {back}");
    }
    assert!(f16_to_f32(f32_to_f16(1e6)).is_infinite());
    assert_eq!(f16_to_f32(0x3c00), 1.0);
    assert_eq!(f16_to_f32(0xc000), -2.0);
}

#[test]
fn vocabulary_symbols_map_back_to_bytes() {
    // GPT-2 byte-level symbols: 'Ġ' is a space, 'Ċ' a newline; Chinese comes as UTF-8 bytes.
    let text = "Ġthe\nĊ\nä½ł\n!\n<|endoftext|>\n<|startoftranscript|>\n";
    let tokens = vocab_bytes(text).unwrap();
    assert_eq!(
        tokens,
        vec![
            b" the".to_vec(),
            b"\n".to_vec(),
            "你".as_bytes().to_vec(),
            b"!".to_vec()
        ]
    );
    assert!(
        vocab_bytes("abc\n").is_err(),
        "no <|endoftext|>: not a Whisper vocabulary"
    );
}

#[test]
fn rejects_a_file_that_is_not_a_ct2_model() {
    let dir = common::tempdir().unwrap();
    std::fs::write(dir.path().join("model.bin"), b"definitely not a model").unwrap();
    std::fs::write(dir.path().join("vocabulary.txt"), "<|endoftext|>\n").unwrap();
    let err = models::import_ct2(dir.path(), &dir.path().join("out.bin"), Default::default())
        .unwrap_err();
    assert!(err.to_string().contains("model.bin"), "{err}");
    assert!(!dir.path().join("out.bin").exists(), "no output on failure");
}

/// `make models` keeps the joined CT2 model in models/cache/ct2-base; converting it again (8-bit,
/// the default) must give exactly the model the other tests transcribe with, and whisper.cpp
/// must load it.
#[test]
fn converts_the_real_ct2_base_model() {
    let ct2 = repo("models/cache/ct2-base");
    assert!(
        ct2.join("model.bin").is_file(),
        "{} missing: run `make models`",
        ct2.display()
    );
    let dir = common::tempdir().unwrap();
    let out = dir.path().join("ggml-base-q8_0.bin");
    let hp = models::import_ct2(&ct2, &out, models::Weights::Q8_0).unwrap();
    assert_eq!(
        (
            hp.n_vocab,
            hp.n_audio_ctx,
            hp.n_audio_state,
            hp.n_audio_head,
            hp.n_audio_layer
        ),
        (51865, 1500, 512, 8, 6)
    );
    assert_eq!(
        (
            hp.n_text_ctx,
            hp.n_text_state,
            hp.n_text_head,
            hp.n_text_layer,
            hp.n_mels
        ),
        (448, 512, 8, 6, 80)
    );
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..4], &0x6767_6d6cu32.to_le_bytes(), "ggml magic");
    assert!(
        bytes == std::fs::read(common::model_path()).unwrap(),
        "conversion is not deterministic"
    );
    callqa::asr::Transcriber::load(&out).expect("whisper.cpp loads the converted model");
}

/// f16 weights (as trained) convert too; the default 8-bit model is about half their size and
/// its Mandarin transcripts stay as good (CER on three THCHS-30 clips within 5 points).
#[test]
fn f16_weights_load_and_transcribe_like_the_default_q8_0() {
    use callqa::asr::{AsrConfig, Transcriber};
    use callqa::audio;
    use callqa::call::CallFacts;
    let ct2 = repo("models/cache/ct2-base");
    let dir = common::tempdir().unwrap();
    let out = dir.path().join("ggml-base.bin");
    models::import_ct2(&ct2, &out, models::Weights::F16).unwrap();
    let (q8, f16) = (
        std::fs::metadata(common::model_path()).unwrap().len() as f64,
        std::fs::metadata(&out).unwrap().len() as f64,
    );
    assert!(
        (0.5..0.6).contains(&(q8 / f16)),
        "q8_0 file is {:.2}× the f16 one",
        q8 / f16
    );
    let cer = |t: &Transcriber| {
        let (mut edits, mut total) = (0, 0);
        for i in [0, 3, 5] {
            let name = format!("datasets/zh-thchs30/A2_{i}");
            let reference: Vec<char> = common::textgrid_words(&repo(&format!("{name}.TextGrid")))
                .into_iter()
                .flat_map(|w| w.2.chars().collect::<Vec<_>>())
                .collect();
            let a = audio::resample(audio::decode(&repo(&format!("{name}.wav"))).unwrap()).unwrap();
            let text: String = t
                .transcribe(&a, &CallFacts::default(), &AsrConfig::default())
                .unwrap()
                .segments
                .iter()
                .map(|s| s.text.clone())
                .collect();
            let hyp: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
            edits += common::edit_distance(&reference, &hyp);
            total += reference.len();
        }
        edits as f64 / total as f64
    };
    let q = cer(&Transcriber::load(&common::model_path()).unwrap());
    let f = cer(&Transcriber::load(&out).expect("whisper.cpp loads f16"));
    println!("CER f16 {:.1}%, q8_0 {:.1}%", 100.0 * f, 100.0 * q);
    assert!(q <= f + 0.05, "q8_0 CER {q:.3} against f16 {f:.3}");
}
