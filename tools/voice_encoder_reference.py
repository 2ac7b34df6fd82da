"""Reference embeddings for tests/diarize.rs, from resemblyzer's own code: run once, by hand.

Needs a venv with torch 2.5.1, librosa 0.11, soundfile and the unpacked resemblyzer 0.1.4
wheel (`pip download --no-deps resemblyzer==0.1.4`, unzip; its dir in RESEMBLYZER_DIR).
webrtcvad is stubbed: only preprocess_wav's silence trimming needs it, and the clips are fed
as read. Usage: python voice_encoder_reference.py OUT.json CLIP.wav...
"""
import json
import os
import sys
import types

sys.path.insert(0, os.environ["RESEMBLYZER_DIR"])
sys.modules["webrtcvad"] = types.ModuleType("webrtcvad")
import scipy.ndimage  # noqa: E402

sys.modules["scipy.ndimage.morphology"] = scipy.ndimage  # removed in new SciPy
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from resemblyzer import VoiceEncoder, audio  # noqa: E402

enc = VoiceEncoder("cpu", verbose=False)
out = []
for path in sys.argv[2:]:
    wav, sr = sf.read(path, dtype="float32")
    assert sr == 16000 and wav.ndim == 1
    embed, partials, slices = enc.embed_utterance(wav, return_partials=True)
    mel = audio.wav_to_mel_spectrogram(np.pad(wav, (0, max(0, slices[-1].stop - len(wav)))))
    out.append({"clip": path, "samples": len(wav), "embedding": [round(float(x), 7) for x in embed],
                "partials": len(partials), "first_partial": [round(float(x), 7) for x in partials[0]],
                "mel_frame_10": [float(x) for x in mel[10]], "mel_frames": len(mel)})
with open(sys.argv[1], "w") as f:
    json.dump({"generator": "resemblyzer 0.1.4 VoiceEncoder.embed_utterance (torch 2.5.1, librosa 0.11.0), "
               "float32 wav as read, no preprocess_wav", "clips": out}, f, indent=1)
