# bash completion for img2music. Installed as share/bash-completion/completions/img2music;
# to try it from a checkout:  source completions/img2music.bash
# tests/e2e/run_completion.sh checks that every flag in `img2music --help` is offered here.

_img2music() {
    local cur prev
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}

    case $prev in
        -f|--format)
            mapfile -t COMPREPLY < <(compgen -W "auto table jsonl json csv tsv ids links" -- "$cur")
            return ;;
        --align)
            mapfile -t COMPREPLY < <(compgen -W "none minmax quantile" -- "$cur")
            return ;;
        --model)
            mapfile -t COMPREPLY < <(compgen -f -X '!*.pt' -- "$cur"; compgen -d -- "$cur")
            return ;;
        --songs)
            mapfile -t COMPREPLY < <(compgen -f -X '!*.@(csv|json)' -- "$cur"; compgen -d -- "$cur")
            return ;;
        --plot)
            mapfile -t COMPREPLY < <(compgen -f -X '!*.png' -- "$cur"; compgen -d -- "$cur")
            return ;;
        -o|--output)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return ;;
        --report)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return ;;
        -k|--top|-j|--threads|--batch-size|--every|--fps|--min-segment|--min-popularity|--year|--diversity|--model-sha256|--genre|--exclude-artist)
            return ;;  # a value the user types
    esac

    if [[ $cur == -* ]]; then
        local flags="-h --help -r --recursive -0 --null -k --top --model --model-sha256 --songs -f --format --align
            -j --threads --batch-size -o --output -q --quiet -V --version --every --frames --sequence --fps --min-segment
            --plot --report --explain --genre --min-popularity --year --exclude-artist --diversity --one-per-artist"
        mapfile -t COMPREPLY < <(compgen -W "$flags" -- "$cur")
        return
    fi
    # Inputs: images, videos and directories.
    local IFS=$'\n'
    shopt -s extglob nocaseglob nocasematch 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -X '!*.@(jpg|jpeg|jpe|png|webp|bmp|tif|tiff|gif|pgm|ppm|pbm|pnm|mp4|m4v|mkv|avi|mov|webm)' -- "$cur"; compgen -d -- "$cur")
    shopt -u nocaseglob nocasematch 2>/dev/null
    compopt -o filenames 2>/dev/null
}
complete -F _img2music img2music
