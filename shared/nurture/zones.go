package nurture

import (
	"strings"
	"sync"
	"time"

	"github.com/leadflow/leadflow/shared/lead"
)

// countryZones is the built-in time zone of each country a lead may give
// (ISO 3166 alpha-2): its capital's or its business centre's, for leads
// that gave a country but no time zone. A config's country_time_zones
// replaces single entries.
var countryZones = map[string]string{
	"US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City",
	"BR": "America/Sao_Paulo", "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago",
	"CO": "America/Bogota", "PE": "America/Lima",
	"GB": "Europe/London", "IE": "Europe/Dublin", "PT": "Europe/Lisbon", "ES": "Europe/Madrid",
	"FR": "Europe/Paris", "BE": "Europe/Brussels", "NL": "Europe/Amsterdam", "LU": "Europe/Luxembourg",
	"DE": "Europe/Berlin", "AT": "Europe/Vienna", "CH": "Europe/Zurich", "IT": "Europe/Rome",
	"DK": "Europe/Copenhagen", "SE": "Europe/Stockholm", "NO": "Europe/Oslo", "FI": "Europe/Helsinki",
	"IS": "Atlantic/Reykjavik", "PL": "Europe/Warsaw", "CZ": "Europe/Prague", "SK": "Europe/Bratislava",
	"HU": "Europe/Budapest", "SI": "Europe/Ljubljana", "HR": "Europe/Zagreb", "RO": "Europe/Bucharest",
	"BG": "Europe/Sofia", "GR": "Europe/Athens", "EE": "Europe/Tallinn", "LV": "Europe/Riga",
	"LT": "Europe/Vilnius", "UA": "Europe/Kyiv", "TR": "Europe/Istanbul", "CY": "Asia/Nicosia",
	"MT": "Europe/Malta", "RS": "Europe/Belgrade",
	"IL": "Asia/Jerusalem", "AE": "Asia/Dubai", "SA": "Asia/Riyadh", "QA": "Asia/Qatar",
	"EG": "Africa/Cairo", "ZA": "Africa/Johannesburg", "NG": "Africa/Lagos", "KE": "Africa/Nairobi",
	"MA": "Africa/Casablanca",
	"IN": "Asia/Kolkata", "PK": "Asia/Karachi", "BD": "Asia/Dhaka", "SG": "Asia/Singapore",
	"MY": "Asia/Kuala_Lumpur", "ID": "Asia/Jakarta", "TH": "Asia/Bangkok", "VN": "Asia/Ho_Chi_Minh",
	"PH": "Asia/Manila", "HK": "Asia/Hong_Kong", "CN": "Asia/Shanghai", "TW": "Asia/Taipei",
	"KR": "Asia/Seoul", "JP": "Asia/Tokyo",
	"AU": "Australia/Sydney", "NZ": "Pacific/Auckland",
}

// zoneCache keeps loaded zones: time.LoadLocation reads and parses zone
// data each call, and Plan runs for every due lead.
var zoneCache sync.Map // name → *time.Location

// loadZone loads an IANA zone by name. "Local" (the machine's zone) and ""
// (UTC in disguise) are refused: the result must not depend on where the
// code runs or hide a missing value.
func loadZone(name string) (*time.Location, bool) {
	if name == "" || strings.EqualFold(name, "local") {
		return nil, false
	}
	if loc, ok := zoneCache.Load(name); ok {
		return loc.(*time.Location), true
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Failures are not cached: names come from form fields and could
		// otherwise grow the cache without bound.
		return nil, false
	}
	zoneCache.Store(name, loc)
	return loc, true
}

// Location is the time zone a lead's send window is in: the lead's own
// time_zone when it is a valid IANA zone, else its country's zone, else
// the config's default.
func (c *Config) Location(l lead.Lead) *time.Location {
	if loc, ok := loadZone(strings.TrimSpace(l.TimeZone)); ok {
		return loc
	}
	cc := strings.ToUpper(strings.TrimSpace(l.Country))
	if loc, ok := c.countryZones[cc]; ok {
		return loc
	}
	// Built-in zones load on first use, not with the config: loading all
	// of them took ~3 ms of every cold start that reads the sequences
	// (TestBuiltinCountryZonesLoad proves each name loads).
	if loc, ok := loadZone(countryZones[cc]); ok {
		return loc
	}
	return c.defaultZone
}
