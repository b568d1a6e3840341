# huginn-completion.bash — bash completion for the `huginn` command.
# Install as /usr/share/bash-completion/completions/huginn, or `source` it.
# Kept in step with the option table (src/cliparse/cliOptions.c) by
# tests/integration/cliHelp.sh, which checks every command, option and choice.

_huginn_globals="--config --profile --verbose -v --quiet -q --log-format --log-file --json --dry-run --no-color
--local --help -h --version"
_huginn_commands="diagnose models inspect plan explain execute quantize status cancel jobs config help version calibrate"

_huginn_options() { # options of one command (by its full name)
  case "$1" in
    diagnose) echo "--topology-xml --nvml-library --context --quant --prefer" ;;
    "models list") echo "--fits --topology-xml --nvml-library --context --quant --prefer" ;;
    inspect) echo "--tensors" ;;
    plan) echo "--topology-xml --hardware --policy --objective --context --batch --quant-config --reserve --dot --out
--check" ;;
    execute) echo "--prompt --prompt-file --max-tokens --temperature --top-k --top-p --min-p --repeat-penalty --seed
--stop --ignore-eos --threads --inputs --outputs --checkpoint-every --resume --inject --server --cacert --cert --key
--follow" ;;
    quantize) echo "--method --bits --group-size --calibration --out" ;;
    explain) echo "--topology-xml --hardware" ;;
    calibrate) echo "--out" ;;
    status) echo "--follow --server --cacert --cert --key" ;;
    cancel) echo "--server --cacert --cert --key" ;;
    jobs) echo "--all --server --cacert --cert --key" ;;
  esac
}

_huginn() {
  local cur prev words cword
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  cword=$COMP_CWORD
  COMPREPLY=()

  # values of options that take one
  case "$prev" in
    --log-format) COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --policy) COMPREPLY=($(compgen -W "balanced locality-first throughput-max" -- "$cur")); return ;;
    --objective) COMPREPLY=($(compgen -W "latency throughput" -- "$cur")); return ;;
    --quant) COMPREPLY=($(compgen -W "auto fp16 int8 int4" -- "$cur")); return ;;
    --prefer) COMPREPLY=($(compgen -W "balanced latency throughput" -- "$cur")); return ;;
    --method) COMPREPLY=($(compgen -W "rtn nf4 fp4 int8 gptq awq" -- "$cur")); return ;;
    --bits) COMPREPLY=($(compgen -W "2 3 4 5 6 8" -- "$cur")); return ;;
    --group-size) COMPREPLY=($(compgen -W "32 64 128 256" -- "$cur")); return ;;
    --config|--log-file|--topology-xml|--hardware|--quant-config|--out|--check|--prompt-file|--calibration|\
    --nvml-library|--cacert|--cert|--key)
      COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --inputs|--outputs|--resume)
      COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null; return ;;
    --profile|--context|--batch|--max-tokens|--temperature|--top-k|--top-p|--min-p|--repeat-penalty|--seed|--stop|\
    --threads|--checkpoint-every|--reserve|--inject|--server|--prompt)
      return ;;
  esac

  # find the command (and subcommand) typed so far, skipping global options and their values
  local command="" sub="" i w
  for ((i = 1; i < cword; i++)); do
    w=${COMP_WORDS[i]}
    case "$w" in
      --config|--profile|--log-format|--log-file) ((i++)); continue ;;
      -*) continue ;;
    esac
    if [ -z "$command" ]; then command=$w
    elif [ -z "$sub" ]; then sub=$w; break
    fi
  done

  if [ -z "$command" ]; then
    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "$_huginn_globals" -- "$cur"))
    else COMPREPLY=($(compgen -W "$_huginn_commands" -- "$cur")); fi
    return
  fi

  local full=$command
  case "$command" in
    models)
      if [ -z "$sub" ]; then COMPREPLY=($(compgen -W "list show" -- "$cur")); return; fi
      full="models $sub" ;;
    config)
      if [ -z "$sub" ]; then COMPREPLY=($(compgen -W "show validate parse" -- "$cur")); return; fi
      full="config $sub"
      [[ "$sub" == validate || "$sub" == parse ]] && [[ "$cur" != -* ]] && {
        COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null; return; } ;;
    help)
      COMPREPLY=($(compgen -W "$_huginn_commands errors list show validate parse diff" -- "$cur")); return ;;
    plan)
      [ -z "$sub" ] && [[ "$cur" != -* ]] && {
        COMPREPLY=($(compgen -W "diff" -- "$cur") $(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null
        return; }
      [ "$sub" = diff ] && full="plan diff" ;;
  esac

  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_huginn_options "$full") $_huginn_globals" -- "$cur"))
  else
    case "$full" in
      inspect|plan|explain|execute|quantize|"plan diff")
        COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
    esac
  fi
}

complete -F _huginn huginn
