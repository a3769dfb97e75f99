"""FileSink writing real files under tmp_path."""

from __future__ import annotations

import errno
import os

import pytest

from suture.connectors.base import Outbound
from suture.connectors.file.config import FileSinkConfig
from suture.connectors.file.sink import FileSink, classify_os_error, safe_name
from suture.errors import ConfigError, PermanentError, RetryableError

PAYLOAD = b"MSH|^~\\&|A|B|C|D|202401011200||ADT^A01|1|P|2.5\rPID|1||12345||DOE^JANE\r"


def outbound(payload: bytes = PAYLOAD, key: str = "chan1:env42:files", message_id: str = "env42") -> Outbound:
    return Outbound(payload, "application/hl7-v2", key, message_id)


async def started(directory, **config: object) -> FileSink:
    sink = FileSink("files", FileSinkConfig(directory=str(directory), **config))  # type: ignore[arg-type]
    await sink.start()
    return sink


async def test_start_creates_the_directory(tmp_path):
    await started(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()


async def test_payload_is_written_whole_under_the_sanitized_key(tmp_path):
    sink = await started(tmp_path)
    result = await sink.deliver(outbound())
    assert (tmp_path / "chan1_env42_files.hl7").read_bytes() == PAYLOAD
    assert result.response == f"wrote {len(PAYLOAD)} bytes"


async def test_no_temp_files_are_left_behind(tmp_path):
    sink = await started(tmp_path)
    for n in range(5):
        await sink.deliver(outbound(key=f"k{n}"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"k{n}.hl7" for n in range(5)]


async def test_retry_of_the_same_delivery_overwrites_instead_of_duplicating(tmp_path):
    sink = await started(tmp_path)
    await sink.deliver(outbound(b"first try"))
    await sink.deliver(outbound(b"second try"))
    assert [p.name for p in tmp_path.iterdir()] == ["chan1_env42_files.hl7"]
    assert (tmp_path / "chan1_env42_files.hl7").read_bytes() == b"second try"


async def test_template_can_use_message_id_and_ext_without_fsync(tmp_path):
    sink = await started(tmp_path, filename="out-{message_id}.{ext}", ext="x12", fsync=False)
    await sink.deliver(outbound(message_id="m/7"))
    assert (tmp_path / "out-m_7.x12").read_bytes() == PAYLOAD


async def test_hostile_key_cannot_escape_the_directory_or_hide_the_file(tmp_path):
    sink = await started(tmp_path / "out", filename="{idempotency_key}")
    await sink.deliver(outbound(key=".."))
    await sink.deliver(outbound(key="../../etc/passwd"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["_.", "_._.._etc_passwd"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_safe_name_keeps_only_portable_characters():
    assert safe_name("ADT^A01 #7/ü.hl7") == "ADT_A01__7__.hl7"
    assert safe_name(".hidden") == "_hidden"


@pytest.mark.parametrize("template", ["{patient}.hl7", "{0}.hl7", "sub/{message_id}", ".."])
def test_bad_filename_template_fails_at_build_time(tmp_path, template):
    with pytest.raises(ConfigError, match="filename"):
        FileSink("files", FileSinkConfig(directory=str(tmp_path), filename=template))


async def test_failed_rename_is_retryable_and_leaves_no_temp_file(tmp_path, monkeypatch):
    sink = await started(tmp_path)

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(RetryableError, match="ENOSPC") as caught:
        await sink.deliver(outbound())
    assert "DOE" not in str(caught.value) and "env42" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
async def test_unwritable_directory_is_permanent(tmp_path):
    sink = await started(tmp_path / "ro")
    (tmp_path / "ro").chmod(0o500)
    try:
        with pytest.raises(PermanentError, match="EACCES"):
            await sink.deliver(outbound())
    finally:
        (tmp_path / "ro").chmod(0o700)


async def test_missing_directory_after_start_is_retryable(tmp_path):
    sink = await started(tmp_path / "gone")
    (tmp_path / "gone").rmdir()
    with pytest.raises(RetryableError, match="ENOENT"):
        await sink.deliver(outbound())


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (errno.ENOSPC, RetryableError),
        (errno.EIO, RetryableError),
        (errno.EDQUOT, RetryableError),
        (errno.EACCES, PermanentError),
        (errno.EPERM, PermanentError),
        (errno.EROFS, PermanentError),
    ],
)
def test_os_errors_are_classified_by_errno(code, kind):
    error = classify_os_error(OSError(code, os.strerror(code)), "file sink files", "env42")
    assert type(error) is kind
    assert str(error) == f"file sink files: write failed ({errno.errorcode[code]}) for message env42"
