"""The manual pages against what the binaries print, so neither can drift.

docs/man/barco.1.scd and docs/man/barco-probe.1.scd (scdoc) are the one
source of the pages. Every command `barco help` lists must be a "##"
subsection of the page's COMMANDS, and the other way round; every option a
command's help shows (on its `barco help` line, its Usage lines, its option
column) must be defined (a line starting "*-", its definition indented on
the next) or be on a "*barco*" synopsis line of that subsection, and the other way round. The
same for the probe tools, the stages, and the seed form's flags. The last
tests show that an option added on either side alone is caught.
"""

import re
import shutil
import subprocess

import pytest

from conftest import BARCO, REPO, TIMEOUT

MAN_DIR = REPO / "docs" / "man"
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][\w-]*)")
SEED = "seed form"


def run(*args):
    return subprocess.run([str(a) for a in args], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)


def options_in(text):
    return set(OPTION.findall(text))


# ---- what the binaries print ----------------------------------------------------------

def before_description(line):
    """A help line's usage or option column: the text before two spaces."""
    return re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]


def main_help_commands(text):
    """`barco help`: {command: options on its lines}, and the seed form's."""
    commands, in_list = {}, False
    for line in text.splitlines():
        if line == "Commands:":
            in_list = True
        elif in_list and not line.strip():
            in_list = False
        elif in_list and re.match(r"  [a-z]", line):
            usage = before_description(line)
            if usage == "help, version":
                commands.setdefault("help", set())
                commands.setdefault("version", set())
                continue
            name = usage.split()[0]
            commands.setdefault(name, set()).update(options_in(usage))
    seed = re.search(r"\bbarco (-u .*)$", text, re.M)
    assert seed, "barco help no longer shows the seed form"
    commands[SEED] = options_in(seed.group(1))
    return commands


def command_help_options(text):
    """A --help: the options on its Usage lines and in its option column."""
    found, in_usage = set(), False
    for line in text.splitlines():
        if line.startswith("Usage:"):
            in_usage = True
        elif in_usage and line.startswith("       "):
            pass
        else:
            in_usage = False
        if in_usage:
            found |= options_in(line)
        elif re.match(r" {2,6}-", line):
            found |= options_in(before_description(line))
    return found


def help_of(*cmd):
    """The --help of a command, or None when it has none (`barco ps --help` is an error)."""
    r = run(*cmd, "--help")
    prog = " ".join([cmd[0].name, *cmd[1:]])
    if r.returncode != 0 or not r.stdout.startswith(f"Usage: {prog}"):
        return None
    return r.stdout


def binary_commands():
    r = run(BARCO, "help")
    assert r.returncode == 0, r.stderr
    commands = main_help_commands(r.stdout)
    for name in commands:
        text = help_of(BARCO, name) if name != SEED else None
        if text is not None:
            commands[name] |= command_help_options(text)
    return commands


def probe_sections():
    text = help_of(BARCO, "probe")
    m = re.search(r"^  SECTION\s+([a-z, ]+)", text, re.M)
    assert m, f"no SECTION line in barco probe --help:\n{text}"
    return [s.strip() for s in m.group(1).split(",")]


# ---- what the page sources say --------------------------------------------------------

def plain(line):
    """An scdoc line without its markup: bold, underline, escapes, line breaks."""
    return re.sub(r"\+\+$", "", line.replace("\\", "").replace("*", "").replace("_", ""))


def split_on(lines, mark):
    """{heading: lines} for the headings that start with MARK ("# " or "## ")."""
    parts, current = {}, None
    for line in lines:
        if line.startswith(mark):
            current = line[len(mark):].strip()
            parts[current] = []
        elif current is not None:
            parts[current].append(line)
    return parts


def scd(name):
    return (MAN_DIR / name).read_text()


def documented_options(lines, synopsis):
    """Options defined (a "*-..." line over an indented one) or on synopsis lines."""
    found = set()
    for line, after in zip(lines, lines[1:] + [""]):
        if (line.startswith("*-") and after.startswith("\t")) or line.startswith(synopsis):
            found |= options_in(plain(line))
    return found


def page_commands(text):
    """barco.1.scd: {command: options} from the subsections of COMMANDS."""
    sections = split_on(text.splitlines(), "# ")
    assert "COMMANDS" in sections, "barco.1.scd has no COMMANDS section"
    return {name: documented_options(lines, "*barco*")
            for name, lines in split_on(sections["COMMANDS"], "## ").items()}


def synopsis_commands(text):
    """The commands the SYNOPSIS names: "*barco* *run* ...", "*barco* *help* | *version*"."""
    lines = split_on(text.splitlines(), "# ")["SYNOPSIS"]
    found = set()
    for line in lines:
        found |= set(re.findall(r"(?:^\*barco\* |\| )\*([a-z]+)\*", line))
    return found


# ---- comparing --------------------------------------------------------------------------

def differences(printed, documented):
    """Lines naming each command or option on one side only; empty when they agree."""
    out = []
    for name in sorted(printed.keys() | documented.keys()):
        if name not in documented:
            out.append(f"command '{name}' is in the help, not in the page")
        elif name not in printed:
            out.append(f"command '{name}' is in the page, not in the help")
        else:
            for opt in sorted(printed[name] - documented[name]):
                out.append(f"{name}: option {opt} is in the help, not in the page")
            for opt in sorted(documented[name] - printed[name]):
                out.append(f"{name}: option {opt} is in the page, not in the help")
    return out


# ---- barco(1) ---------------------------------------------------------------------------

def test_every_command_and_option_of_barco_is_in_its_page_and_back():
    assert differences(binary_commands(), page_commands(scd("barco.1.scd"))) == []


def test_the_synopsis_names_every_command():
    commands = set(binary_commands()) - {SEED}
    assert synopsis_commands(scd("barco.1.scd")) == commands


def test_the_page_lists_the_stages_barco_runs():
    r = run(BARCO, "stages")
    assert r.returncode == 0, r.stderr
    stages = [line.split()[1] for line in r.stdout.splitlines()]
    table = split_on(scd("barco.1.scd").splitlines(), "# ")["STAGES"]
    # The table's rows: "|  N", then ":  name", then ":  what happens".
    documented = [table[i + 1].strip(": ") for i, line in enumerate(table)
                  if re.match(r"\|\s+\d+$", line)]
    assert documented == stages


# ---- barco-probe(1) ------------------------------------------------------------------

def probe_page():
    sections = split_on(scd("barco-probe.1.scd").splitlines(), "# ")
    tools = {m.group(1) for line in sections["TOOLS"]
             if (m := re.match(r"\*barco-probe-([a-z]+)\*$", line))}
    options = documented_options(sections["OPTIONS"] + sections["SYNOPSIS"], "*barco-probe-")
    return tools, options


def test_the_probe_page_names_one_tool_per_section():
    tools, _ = probe_page()
    sections = probe_sections()
    assert tools == set(sections)
    for s in sections:
        assert (BARCO.parent / f"barco-probe-{s}").is_file(), f"no tool for section {s}"


@pytest.mark.parametrize("section", probe_sections())
def test_each_probe_tool_has_the_options_of_its_page(section):
    text = help_of(BARCO.parent / f"barco-probe-{section}")
    assert text is not None, f"barco-probe-{section} --help printed no usage"
    _, options = probe_page()
    assert differences({section: command_help_options(text)}, {section: options}) == []


# ---- the pages render --------------------------------------------------------------------

@pytest.mark.parametrize("page", ["barco.1.scd", "barco-probe.1.scd"])
def test_page_renders_without_a_warning(page):
    for tool in ("scdoc", "groff"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (make setup installs it)")
    roff = subprocess.run(["scdoc"], input=scd(page), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
    assert roff.returncode == 0, roff.stderr
    out = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z"], input=roff.stdout,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         timeout=TIMEOUT)
    assert (out.returncode, out.stderr) == (0, "")


# ---- the comparison catches drift ---------------------------------------------------------

def test_an_option_only_in_the_page_is_caught():
    text = scd("barco.1.scd").replace("\n## step\n", "\n*--frobnicate*\n\tNew.\n\n## step\n")
    assert differences(binary_commands(), page_commands(text)) == [
        "run: option --frobnicate is in the page, not in the help"]


def test_an_option_only_in_the_help_is_caught():
    printed = binary_commands()
    extra = help_of(BARCO, "run") + "  --frobnicate N        a new option\n"
    printed["run"] = command_help_options(extra)
    assert differences(printed, page_commands(scd("barco.1.scd"))) == [
        "run: option --frobnicate is in the help, not in the page"]


def test_a_command_only_in_the_help_is_caught():
    printed = main_help_commands(run(BARCO, "help").stdout.replace(
        "  stages ", "  frob [--fast]                       a new command\n  stages "))
    documented = page_commands(scd("barco.1.scd"))
    assert "command 'frob' is in the help, not in the page" in differences(printed, documented)
