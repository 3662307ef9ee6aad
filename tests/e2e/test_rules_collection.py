"""Collection and staging rules (rules/collection.yaml) end to end: files encrypted with
command-line tools, and archives encrypted right after they were made. Triggers are the
attack corpus's scripts; near misses are ordinary archiving and decryption."""
import shutil
import tempfile

from corpus import attack, benign, trigger_and_near_miss
from vigiltest import check, marker, rules_agent, sh, trigger

agent = None
base = None


def setup_module():
    global agent, base
    base = tempfile.mkdtemp(prefix=marker())
    agent = rules_agent()


def teardown_module():
    agent.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_file_encrypted_with_a_command_line_tool():
    rule = "File encrypted with a command-line tool"
    # near miss: a plain zip, a digest, a decryption (of a file that is not even encrypted)
    near = sh('cd "$0" && echo x > f && zip -q plain.zip f; openssl dgst -sha256 f >/dev/null; '
              'openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:p -in f -out /dev/null 2>/dev/null; true', base)
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1560.001-zip-password"), [near]))
    check(ev["proc"]["comm"] == "zip" and "--password" in ev["exec"]["argv"], ev["exec"])
    ev = trigger(trigger_and_near_miss(agent, rule, attack("T1486-encrypt-files"), []))
    check(ev["proc"]["comm"] in ("openssl", "gpg"), ev["proc"])


def test_archive_encrypted_after_it_was_made():
    rule = "Archive encrypted after it was made"
    a = trigger_and_near_miss(agent, rule, attack("T1560.001-archive-encrypt"), [benign("tar-and-compress")])
    check(a["events"][0]["proc"]["comm"] in ("tar", "zip") and a["events"][-1]["proc"]["comm"] in ("openssl", "gpg"),
          [e["proc"]["comm"] for e in a["events"]])
