package suggest

import (
	"net/url"
	"strings"
)

// Signal is a piece of evidence that agreed between two records.
type Signal string

const (
	SignalName    Signal = "Name"
	SignalDomain  Signal = "Domain"
	SignalPhone   Signal = "Phone"
	SignalAddress Signal = "Address"
)

// Record is one customer record as the suggester sees it. Only ID and Name are required; the
// rest are whatever the vendor's listing already returned, empty when it returns nothing.
type Record struct {
	ID   string
	Name string
	// Website is the record's web address as the vendor stores it ("www.acme.com",
	// "https://acme.com/"); Email is an e-mail address of the record (its domain is compared).
	Website string
	Email   string
	Phone   string
	// Street is the first address line; City and PostalCode complete it.
	Street     string
	City       string
	PostalCode string
}

// freeMail domains say nothing about which customer a mailbox belongs to.
var freeMail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true,
	"live.com": true, "msn.com": true, "yahoo.com": true, "ymail.com": true, "aol.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "proton.me": true,
	"protonmail.com": true, "gmx.com": true, "gmx.net": true, "gmx.de": true, "web.de": true,
	"mail.com": true, "zoho.com": true, "comcast.net": true, "att.net": true,
	"verizon.net": true, "sbcglobal.net": true, "yandex.com": true, "qq.com": true,
}

// facts are a record's signals in comparable form.
type facts struct {
	domains []string // distinct, at most two (web site, e-mail)
	phone   string   // last ten digits, "" when fewer than seven
	street  string   // normalised first address line
	place   string   // normalised city + postal code, "" when either is missing
}

func factsOf(r *Record) facts {
	var f facts
	for _, d := range []string{webDomain(r.Website), mailDomain(r.Email)} {
		if d != "" && (len(f.domains) == 0 || f.domains[0] != d) {
			f.domains = append(f.domains, d)
		}
	}
	f.phone = phoneKey(r.Phone)
	f.street = addressKey(r.Street)
	if c, p := addressKey(r.City), strings.ToLower(strings.ReplaceAll(r.PostalCode, " ", "")); c != "" && p != "" {
		f.place = c + "|" + p
	}
	return f
}

// webDomain is the host of a web address without "www.", lower case; "" when there is none.
func webDomain(s string) string {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	h := strings.TrimSuffix(strings.TrimPrefix(u.Hostname(), "www."), ".")
	if !strings.Contains(h, ".") || freeMail[h] {
		return ""
	}
	return h
}

// mailDomain is the domain of an e-mail address, "" for free-mail providers.
func mailDomain(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return ""
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s[at+1:])), ".")
	if !strings.Contains(d, ".") || freeMail[d] {
		return ""
	}
	return d
}

// phoneKey keeps the last ten digits, so "+1 (555) 010-2000" equals "555.010.2000". Numbers
// shorter than seven digits are extensions or junk and are ignored.
func phoneKey(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	if len(b) < 7 {
		return ""
	}
	if len(b) > 10 {
		b = b[len(b)-10:]
	}
	return string(b)
}

// addressKey compares address lines by their canonical words ("12 Main Street" equals
// "12 Main St.").
func addressKey(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return strings.Join(analyze(s).words, " ")
}

// Signal weights: how far an agreeing signal moves the score towards 100, and how far a
// disagreeing web domain moves it down.
const (
	liftDomain      = 0.5
	liftPhone       = 0.4
	liftAddress     = 0.3
	penaltyDomain   = 0.85
	minNameForLifts = 0.2
)

// combine folds the signals into the name score (0..1) and lists those that agreed.
func combine(name float64, a, b *facts) (float64, []Signal) {
	var signals []Signal
	if name >= nameSignalFloor {
		signals = append(signals, SignalName)
	}
	score := name
	// A shared phone number or address alone, with unrelated names, is a coincidence (a shared
	// office building, an outsourced switchboard): it lifts a name that already resembles.
	lift := func(f float64) { score += (1 - score) * f }
	domainAgrees, domainDiffers := false, false
	if len(a.domains) > 0 && len(b.domains) > 0 {
		for _, x := range a.domains {
			for _, y := range b.domains {
				if x == y {
					domainAgrees = true
				}
			}
		}
		domainDiffers = !domainAgrees
	}
	if domainAgrees {
		signals = append(signals, SignalDomain)
		lift(liftDomain)
	}
	if a.phone != "" && a.phone == b.phone {
		signals = append(signals, SignalPhone)
		if name >= minNameForLifts || domainAgrees {
			lift(liftPhone)
		}
	}
	if (a.street != "" && a.street == b.street) || (a.place != "" && a.place == b.place && a.street == "" && b.street == "") {
		signals = append(signals, SignalAddress)
		if name >= minNameForLifts || domainAgrees {
			lift(liftAddress)
		}
	}
	if domainDiffers {
		score *= penaltyDomain
	}
	return score, signals
}

// nameSignalFloor is the name score from which Name is listed as an agreeing signal.
const nameSignalFloor = 0.5
