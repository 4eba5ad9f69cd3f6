# bash completion for barco(1)                              -*- shell-script -*-
#
# Installed as $(datadir)/bash-completion/completions/barco, where
# bash-completion loads it the first time barco is completed. What it
# offers comes from the barco being completed, so it cannot drift from it:
# the commands from `barco help`, each command's options from its --help,
# the stages from `barco stages`, the containers from `barco ps`, the
# lessons from `barco lesson --list`. Without bash-completion (no
# _init_completion), it still works, with fewer niceties.

# The first word of each line of `barco help`'s command list.
_barco_commands()
{
    "$1" help 2>/dev/null | awk '
        /^Commands:/ { on = 1; next }
        on && /^$/ { exit }
        on && /^  [a-z]/ { sub(/,$/, "", $1); print $1; if ($2 == "version") print $2 }' | sort -u
}

# The options of a command: on its lines of `barco help` (before the
# description), on the Usage lines of its --help and in the option column
# of that help's lines that start with a dash (not the global options of
# `barco help`, which go before the command).
_barco_options()
{
    { "$1" help; "$1" "$2" --help; } 2>/dev/null | awk -v cmd="$2" '
        index($0, "Usage: barco " cmd) == 1 { own = 1 }
        index($0, "  " cmd " ") == 1 || $0 == "  " cmd { line = substr($0, 3); sub(/  .*/, "", line) }
        /^Usage:/ || /^       barco / { line = $0 }
        own && /^ +-/ { line = $0; sub(/^ +/, "", line); sub(/  .*/, "", line) }
        line != "" {
            while (match(line, /--?[a-zA-Z][-a-zA-Z]*=?/)) {
                print substr(line, RSTART, RLENGTH)
                line = substr(line, RSTART + RLENGTH)
            }
            line = ""
        }' | sort -u
}

_barco_stages()
{
    "$1" stages 2>/dev/null | awk '{ print $2 }'
}

# Containers from `barco ps`; with "paused", only those a step can advance.
_barco_containers()
{
    "$1" ps 2>/dev/null | awk -v only="$2" '
        NR > 1 && (only != "paused" || ($3 != "exec" && $3 != "dead")) { print $1 }'
}

# Lesson names without their number: "userns" for 02-userns.
_barco_lessons()
{
    "$1" lesson --list 2>/dev/null | sed 's/^[0-9]*-//'
}

_barco_probe_sections()
{
    "$1" probe --help 2>/dev/null | sed -n 's/^  SECTION  *\([^(]*\).*/\1/p' | tr -d ','
}

# The value of an option that takes one, or 1 when PREV takes none.
_barco_option_value()
{
    local barco=$1 prev=$2 cur=$3
    case $prev in
        --until) mapfile -t COMPREPLY < <(compgen -W "$(_barco_stages "$barco")" -- "$cur") ;;
        --seccomp) mapfile -t COMPREPLY < <(compgen -W "default unconfined" -- "$cur") ;;
        --userns) mapfile -t COMPREPLY < <(compgen -W "host" -- "$cur") ;;
        --lesson-skip)
            mapfile -t COMPREPLY < <(compgen -W "cgroups userns hostname mounts pivot_root caps \
                seccomp" -- "$cur") ;;
        --net) mapfile -t COMPREPLY < <(compgen -W "none bridge slirp4netns host ns:" -- "$cur") ;;
        --rootfs | --workdir)
            if declare -F _filedir >/dev/null; then _filedir -d; else
                mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            fi ;;
        --helper)
            if declare -F _filedir >/dev/null; then _filedir; else
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            fi ;;
        --name | --hostname | --uid | --gid | --uidmap | --gidmap | --memory | --cpu-weight | \
            --pids | --env | --cap-add | --cap-drop | --publish | -p) ;;
        *) return 1 ;;
    esac
    return 0
}

# Words that are not options: what the command takes there.
_barco_argument()
{
    local barco=$1 cmd=$2 cur=$3 ci=$4 words
    case $cmd in
        step) ((ci == 2)) && words=$(_barco_containers "$barco" paused) ;;
        delete) ((ci == 2)) && words=$(_barco_containers "$barco") ;;
        lesson) ((ci == 2)) && words=$(_barco_lessons "$barco") ;;
        rootfs) ((ci == 2)) && words=create ;;
        probe) words=$(_barco_probe_sections "$barco") ;;
    esac
    if [[ $cmd == rootfs && $ci -eq 3 ]]; then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return
    fi
    [[ -n $words ]] && mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}

_barco()
{
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null; then
        _init_completion -s || return
    else
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
        if [[ $cur == --*=* ]]; then
            prev=${cur%%=*} cur=${cur#*=} split=true
        elif [[ $cur == = ]]; then
            cur="" split=true
        elif [[ $prev == = ]]; then
            prev=${COMP_WORDS[COMP_CWORD - 2]} split=true
        fi
    fi
    local barco=${words[0]} cmd=${words[1]-} i
    COMPREPLY=()

    if ((cword == 1)); then
        mapfile -t COMPREPLY < <(compgen -W "$(_barco_commands "$barco")" -- "$cur")
        return
    fi
    # After "--" comes the container's command: files (its path is inside the container).
    for ((i = 2; i < cword; i++)); do
        [[ ${words[i]} == -- ]] && { compopt -o default 2>/dev/null; return; }
    done
    _barco_option_value "$barco" "$prev" "$cur" && return
    $split && return
    if [[ $cur == -* ]]; then
        # step takes every option of run too.
        local opts
        opts=$(_barco_options "$barco" "$cmd")
        [[ $cmd == step ]] && opts+=$'\n'$(_barco_options "$barco" run | grep -vx -e --trace -e --json -e -t -e --tty)
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi
    _barco_argument "$barco" "$cmd" "$cur" "$cword"
} &&
    complete -F _barco barco

# ex: filetype=sh
