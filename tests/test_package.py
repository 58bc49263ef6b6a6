import pickle

import pytest
import torch

from asr.features import FeatureConfig
from asr.model import CTCModel, ModelConfig
from asr.package import ModelFileError, PackagedModel, load_model_file, save_model
from asr.text import CharTokenizer


@pytest.fixture
def model_file(tmp_path):
    torch.manual_seed(0)
    model = CTCModel(ModelConfig(hidden_size=8, num_layers=1))
    model.cmvn.set_stats(torch.full((80,), 2.0), torch.full((80,), 3.0))
    path = tmp_path / "m.pt"
    save_model(PackagedModel(model, CharTokenizer(), FeatureConfig(), {"dev_wer": 0.5}), path)
    return path, model


def test_roundtrip_gives_identical_outputs(model_file):
    path, model = model_file
    loaded = load_model_file(path)
    x, n = torch.randn(2, 30, 80), torch.tensor([30, 20])
    model.eval()
    torch.testing.assert_close(loaded.model(x, n)[0], model(x, n)[0])
    assert loaded.metadata["dev_wer"] == 0.5
    assert torch.equal(loaded.model.cmvn.mean, torch.full((80,), 2.0)), "CMVN statistics travel in the file"
    assert loaded.tokenizer.encode("ab") == [3, 4]


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": "openasr-ctc-model", "payload": Evil()}, path)
    with pytest.raises(ModelFileError, match="refused"):
        load_model_file(path)


def test_plain_pickle_is_refused(tmp_path):
    path = tmp_path / "p.pt"
    path.write_bytes(pickle.dumps(Evil()))
    with pytest.raises(ModelFileError):
        load_model_file(path)


def test_truncated_file(model_file, tmp_path):
    path, _ = model_file
    cut = tmp_path / "cut.pt"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelFileError, match="truncated or corrupt"):
        load_model_file(cut)


def test_other_version(model_file, tmp_path):
    path, _ = model_file
    obj = torch.load(path, weights_only=True)
    obj["format_version"] = 99
    obj["toolkit_version"] = "9.0.0"
    other = tmp_path / "v99.pt"
    torch.save(obj, other)
    with pytest.raises(ModelFileError, match="format version 99 .* not supported"):
        load_model_file(other)


@pytest.mark.parametrize("content", [
    b"junk\n",  # torch's legacy unpickler raises KeyError
    b"RIFF$\x00\x00\x00WAVEfmt ",  # an audio file passed as --model: IndexError
    b"PK\x03\x04garbage",  # a zip that is not one
    bytes(range(256)) * 4,
])
def test_any_bytes_give_a_model_file_error(tmp_path, content, recwarn):
    path = tmp_path / "junk.pt"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=r"junk\.pt: (refused|not a readable model file)"):
        load_model_file(path)
    assert not [w for w in recwarn if "pickle protocol" in str(w.message)], "torch's warning is not shown"


def test_missing_empty_and_foreign(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model_file(tmp_path / "none.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(ModelFileError, match="empty"):
        load_model_file(tmp_path / "empty.pt")
    torch.save({"state_dict": {}}, tmp_path / "foreign.pt")
    with pytest.raises(ModelFileError, match="not a model file"):
        load_model_file(tmp_path / "foreign.pt")


def test_inconsistent_weights(model_file, tmp_path):
    path, _ = model_file
    obj = torch.load(path, weights_only=True)
    obj["model_config"]["hidden_size"] = 16
    bad = tmp_path / "bad.pt"
    torch.save(obj, bad)
    with pytest.raises(ModelFileError, match="inconsistent"):
        load_model_file(bad)
