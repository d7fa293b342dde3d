# bash completion for cgrpc (installed as share/bash-completion/completions/cgrpc).
#
# Completes subcommands, flags and their values (files, directories, json or
# text), and, once ADDRESS is on the line, service and method names: asked of
# the server by reflection, or read from the --protoset/--proto files given,
# with `cgrpc list` itself (a second at most: it answers in milliseconds).

_cgrpc_flags_common="--protoset --proto -I --import-path --plaintext --tls --cacert --cert --key
  --servername --authority --connect-timeout --help"
_cgrpc_flags_call="-d --data -H --header --timeout -v --verbose --format --emit-defaults
  --proto-names"
_cgrpc_flags_health="--connect-timeout --rpc-timeout --timeout -H --header --plaintext --tls
  --cacert --cert --key --servername --authority --help"

# The flags of the line that say where schemas and the server are, to pass on.
_cgrpc_passthrough() {
  local i w
  for ((i = 2; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case $w in
      --protoset | --proto | -I | --import-path | --cacert | --cert | --key | --servername | \
        --authority)
        printf '%s\n%s\n' "$w" "${COMP_WORDS[i + 1]}"
        ((i++))
        ;;
      --protoset=* | --proto=* | -I?* | --import-path=* | --cacert=* | --cert=* | --key=* | \
        --servername=* | --authority=* | --tls | --plaintext)
        printf '%s\n' "$w"
        ;;
    esac
  done
}

# The positional arguments typed so far (after the subcommand).
_cgrpc_positionals() {
  local i w skip=0
  for ((i = 2; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if ((skip)); then
      skip=0
      continue
    fi
    case $w in
      -d | -H | -I | --data | --header | --timeout | --connect-timeout | --rpc-timeout | \
        --protoset | --proto | --import-path | --cacert | --cert | --key | --servername | \
        --authority | --format)
        skip=1
        ;;
      -*) ;;
      *) printf '%s\n' "$w" ;;
    esac
  done
}

_cgrpc() {
  local cur prev cmd
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  cmd=${COMP_WORDS[1]}
  if ((COMP_CWORD == 1)); then
    mapfile -t COMPREPLY < <(compgen -W "list describe call health --help --version" -- "$cur")
    return
  fi
  case $prev in
    --protoset | --cacert | --cert | --key)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    --proto)
      mapfile -t COMPREPLY < <(compgen -f -X '!*.proto' -- "$cur"; compgen -d -- "$cur")
      return
      ;;
    -I | --import-path)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return
      ;;
    --format)
      mapfile -t COMPREPLY < <(compgen -W "json text" -- "$cur")
      return
      ;;
    -d | --data | -H | --header | --timeout | --connect-timeout | --rpc-timeout | --servername | \
      --authority)
      return
      ;;
  esac
  if [[ $cur == -* ]]; then
    local flags=$_cgrpc_flags_common
    [[ $cmd == call ]] && flags="$flags $_cgrpc_flags_call"
    [[ $cmd == health ]] && flags=$_cgrpc_flags_health
    mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
    return
  fi
  local -a pass pos
  mapfile -t pass < <(_cgrpc_passthrough)
  mapfile -t pos < <(_cgrpc_positionals)
  local files=0 w
  for w in "${pass[@]}"; do
    [[ $w == --protoset* || $w == --proto* ]] && files=1
  done
  local -a address=()
  if ((!files)); then
    ((${#pos[@]} == 0)) && return # ADDRESS: nothing to offer
    address=("${pos[0]}")
    pos=("${pos[@]:1}")
  fi
  ((${#pos[@]} > 0)) && return # the name is already there
  local cgrpc=${COMP_WORDS[0]}
  local -a ask=(--connect-timeout 1s --timeout 2s "${pass[@]}" "${address[@]}")
  local names
  if [[ $cmd == call && $cur == */* ]]; then
    names=$("$cgrpc" list "${ask[@]}" "${cur%%/*}" 2>/dev/null | sed 's|\.\([^.]*\)$|/\1|')
  elif [[ $cmd == call ]]; then
    compopt -o nospace 2>/dev/null
    names=$("$cgrpc" list "${ask[@]}" 2>/dev/null | sed 's|$|/|')
  elif [[ $cmd == list || $cmd == describe ]]; then
    names=$("$cgrpc" list "${ask[@]}" 2>/dev/null)
  fi
  mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur")
}
complete -F _cgrpc cgrpc
