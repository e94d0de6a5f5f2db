package app

import (
	"fmt"
	"time"
)

// probeZone is a zone every IANA database has: loading it shows whether
// the process has one at all.
const probeZone = "America/New_York"

// zoneDatabase reports a missing time zone database. Lead, rep and routing
// time zones load from the machine's database; Lambda's provided.al2023
// image has none, so the build ships Go's zoneinfo.zip beside bootstrap
// and the template points ZONEINFO at it (Makefile build-%Function). A
// function started without one would refuse every lead that gives a time
// zone and every routing config that sets one, each with a misleading
// "unknown time zone"; it stops at init with this line instead.
func zoneDatabase(load func(string) (*time.Location, error), zoneinfo string) error {
	if _, err := load(probeZone); err != nil {
		where := "the system has none"
		if zoneinfo != "" {
			where = fmt.Sprintf("ZONEINFO=%s does not hold one", zoneinfo)
		}
		return fmt.Errorf("no time zone database (%s): ship Go's lib/time/zoneinfo.zip with the function and set ZONEINFO to its path, as the Makefile's build-%%Function target and template.yaml do: %v", where, err)
	}
	return nil
}
