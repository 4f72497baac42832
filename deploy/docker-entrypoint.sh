#!/bin/sh
# The image's entry point: `silo` (the default) or `gateway`, then any --Apperate:Key=value arguments.
set -eu
program="${1:-silo}"
[ $# -gt 0 ] && shift
case "$program" in
  silo)
    # A cluster silo advertises this container's own address unless Apperate__AdvertisedAddress says otherwise
    # (Kubernetes passes the pod IP).
    mode="$(printf '%s' "${Apperate__Mode:-}" | tr '[:upper:]' '[:lower:]')"
    if [ "$mode" = cluster ] && [ -z "${Apperate__AdvertisedAddress:-}" ]; then
      Apperate__AdvertisedAddress="$(getent hosts "$(cat /etc/hostname)" | awk '{ print $1; exit }')"
      if [ -z "$Apperate__AdvertisedAddress" ]; then
        echo "cannot tell this container's IP address; set Apperate__AdvertisedAddress" >&2
        exit 2
      fi
      export Apperate__AdvertisedAddress
    fi
    exec dotnet /app/silo/Apperate.Actors.Silo.dll "$@"
    ;;
  gateway)
    exec dotnet /app/gateway/Apperate.Actors.Gateway.dll "$@"
    ;;
  *)
    echo "usage: silo|gateway [--Apperate:Key=value ...]" >&2
    exit 2
    ;;
esac
