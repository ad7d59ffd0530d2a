"""The pencil model: the digits of a noisy image (faint pencil, a dark webcam frame) are read by a digit model trained
with broken, grainy strokes too (the ``pencil`` preset, models/pencil.onnx); every other image by ``model``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edgedigits.runtime.detect import extract
from edgedigits.runtime.model import LineModel, Model, ModelError
from edgedigits.runtime.reader import DigitReader


@pytest.fixture(scope="module")
def noisy_photos(mnist_test):
    """benchmarks/accuracy.py's faint pencil photos (train.scenes, seed 0) that read wrong with the default model
    alone and right with the pencil model (every one on seed 0; none of its dark webcam frames does, and one reads
    worse: docs/accuracy.md): {kind: [(image, text, without the pencil model)]}."""
    from edgedigits.train.scenes import kind_photos

    chosen = {"pencil": {16: "99344", 25: "?571", 66: "562"}}
    out = {}
    for kind, wanted in chosen.items():
        photos = list(kind_photos(mnist_test, kind, 0, max(wanted) + 1))
        out[kind] = [(photos[i][0], photos[i][1], without) for i, without in wanted.items()]
    return out


def test_a_noisy_photo_is_read_by_the_pencil_model(noisy_photos):
    """Each photo's ink map is a noisy image's (detect.Extraction.noisy); the shipped reader reads it right, and
    without the pencil model (pencil_model=False, or "none" as on the command line) as the default model did."""
    reader, without = DigitReader(), DigitReader(pencil_model=False)
    assert reader.pencil_model_file.endswith("pencil.onnx") and without.pencil_model_file is False
    assert DigitReader(pencil_model="none").pencil_model_file is False
    for kind, photos in noisy_photos.items():
        for image, text, alone in photos:
            assert extract(image, lines=True).noisy, kind
            assert (reader.read(image).text, without.read(image).text) == (text, alone), (kind, text)


def test_a_clean_image_is_read_by_the_default_model(mnist_test):
    """A clean scene's ink map is not noisy: its digits' confidences are the default model's own."""
    from edgedigits.runtime.synth import make_scene, sample_digits

    digits, labels, _ = sample_digits(6, 3)
    image = make_scene(digits, seed=3)
    found = extract(image, lines=True)
    assert not found.noisy and len(found.digits) == 6
    reading = DigitReader().read(image)
    alone = Model().predict(found.digits).max(1)
    assert np.allclose(sorted(d.confidence for d in reading.digits), sorted(alone), atol=1e-6)


def test_predict_digits_sends_each_page_to_its_model(mnist_test):
    """DigitReader.predict_digits: a noisy page's digits to the pencil model, the others to ``model``, in the pages'
    order; an empty page takes no rows. Here the pencil model is the seed MLP, so the two differ on every digit."""
    reader = DigitReader(pencil_model="seed-mlp")
    pages = [mnist_test.images[i : i + n].astype(np.float32) / 255 for i, n in ((0, 3), (3, 0), (10, 2), (20, 4))]
    noisy = [True, False, False, True]
    got = reader.predict_digits(pages, noisy)
    assert got.shape == (9, 10) and got.dtype == np.float32
    default, mlp = Model(), Model("seed-mlp")
    want = np.concatenate([mlp.predict(pages[0]), default.predict(pages[2]), mlp.predict(pages[3])])
    assert np.allclose(got, want, atol=1e-6)
    assert np.allclose(
        DigitReader(pencil_model=False).predict_digits(pages, noisy), default.predict(np.concatenate(pages))
    )
    with pytest.raises(ValueError, match="one noisy flag per page: 4 pages, 1 flags"):
        reader.predict_digits(pages, [True])


def test_the_quarter_turn_check_reads_a_noisy_pages_turned_digits_with_the_pencil_model(noisy_photos):
    """DigitReader._favour_a_quarter_turn turns a page's 28x28 digits a quarter either way and asks the digit model
    whether they read better so: a noisy page's go to the pencil model (one call, both turns of every digit), as its
    digits as they lie did, and none to ``model``."""
    reader = DigitReader()
    image = noisy_photos["pencil"][0][0]
    (page,) = reader._prepare(image, None, False, together=False)
    (out,) = reader._infer([page], check_orientation=True)
    assert page.found.noisy and out is not None
    calls: dict[str, list[int]] = {"pencil": [], "default": []}
    for name, model in (("pencil", reader.pencil_model), ("default", reader.model)):
        predict = model.predict
        model.predict = lambda batch, _name=name, _predict=predict: calls[_name].append(len(batch)) or _predict(batch)
    reader._favour_a_quarter_turn([page], [out])
    assert calls == {"pencil": [2 * len(page.found.digits)], "default": []}


def test_a_copy_of_the_default_model_elsewhere_is_the_default_model(tmp_path):
    """A byte-for-byte copy of models/default.onnx (a clone's, given to an installed package; one on a cluster's
    share) reads with the pencil model as the shipped file does; a changed copy is another model."""
    import shutil

    from edgedigits.runtime.model import resolve_model

    copy = tmp_path / "mine.onnx"
    shutil.copy(resolve_model(None), copy)
    assert DigitReader(str(copy)).pencil_model_file == DigitReader().pencil_model_file
    import onnx

    changed = onnx.load(copy)  # the same network with one more metadata entry: another file
    onnx.helper.set_model_props(changed, {**{p.key: p.value for p in changed.metadata_props}, "note": "mine"})
    onnx.save(changed, copy)
    assert DigitReader(str(copy)).pencil_model_file is False


def test_a_given_model_reads_every_image_unless_a_pencil_model_is_given_too():
    """The shipped pencil model goes with the shipped default model, however it is named (None, its name, its
    session): a reader of another model reads noisy images with that model too, unless it is given a pencil model."""
    assert DigitReader("seed-mlp").pencil_model_file is False
    assert DigitReader("seed-mlp", pencil_model="pencil").pencil_model_file.endswith("pencil.onnx")
    assert (
        DigitReader("default").pencil_model_file
        == DigitReader(Model()).pencil_model_file
        == DigitReader().pencil_model_file
    )


def test_a_pencil_model_of_another_kind_is_refused_with_the_argument_named(tmp_path):
    """A session of another kind, or no model at all, is a TypeError at once; a missing file, or a shipped model
    of another kind (its card says so), a ModelError at once; a file of another kind a ModelError when its session
    opens (the property, or the first noisy image)."""
    with pytest.raises(TypeError, match="pencil_model must be a digit model"):
        DigitReader(pencil_model=LineModel())
    with pytest.raises(TypeError, match=r"pencil_model must be .*got True"):
        DigitReader(pencil_model=True)
    with pytest.raises(ModelError, match="nosuch"):
        DigitReader(pencil_model="nosuch")
    with pytest.raises(ModelError, match="line: not a digit model: it is the shipped line model"):
        DigitReader(pencil_model="line")
    mine = tmp_path / "mine.onnx"
    mine.write_bytes(Path(DigitReader().line_model_file).read_bytes())
    reader = DigitReader(pencil_model=mine)
    with pytest.raises(ModelError, match="mine.onnx: a text-line model"):
        _ = reader.pencil_model


def test_worker_processes_read_noisy_photos_with_the_pencil_model(noisy_photos):
    """read_many with processes (four chunks of 16 or more for two workers, parallel.read_chunks): each worker's
    reader is built with the same pencil model. The seed MLP as the pencil model reads these photos otherwise than
    the default model does, so a worker without it would read them otherwise too."""
    photos = [image for photos in noisy_photos.values() for image, _, _ in photos]
    reader = DigitReader(pencil_model="seed-mlp")
    here = [reader.read(image).text for image in photos]
    assert here != [DigitReader(pencil_model=False).read(image).text for image in photos]
    assert [r.text for r in reader.read_many(photos * 22, workers=2, processes=True)] == here * 22
