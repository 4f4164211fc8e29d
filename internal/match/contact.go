package match

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// EmailKey returns the key end users are matched by on Email: the address trimmed and
// lower-cased (mail providers treat the local part case-insensitively in practice, although
// RFC 5321 allows otherwise). A value without "@" between a non-empty local part and a non-empty
// domain is not an address and has no key (""), so placeholders such as "n/a" never match each
// other.
func EmailKey(email string) string {
	e := strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(e, '@')
	if at <= 0 || at == len(e)-1 {
		return ""
	}
	return e
}

const (
	// minPhoneDigits: shorter numbers are internal extensions or junk and would match unrelated
	// users.
	minPhoneDigits = 7
	// phoneCompareDigits: numbers of this length or more compare on their last ten digits, so a
	// number written with its country code equals the same number written nationally
	// ("+1 (555) 010-2000" and "555-010-2000"; "+44 20 7946 0958" and "020 7946 0958").
	phoneCompareDigits = 10
)

// PhoneKey returns the key end users are matched by on Phone:
//
//   - only digits count; letters and punctuation before the first digit are ignored
//     ("tel:+1 555...");
//   - a letter, '#', ',' or ';' after a digit starts an extension or a dial pause, which is not
//     part of the number ("555-010-2000 x12", "555 0102000;ext=4");
//   - a leading "00" international call prefix is dropped, so "0044..." equals "+44...";
//   - numbers of ten digits or more are reduced to their last ten digits (see
//     phoneCompareDigits); shorter ones compare on all their digits;
//   - fewer than seven digits give no key ("").
//
// Full-width digits and plus signs are read as their ASCII forms. Limitations: numbers whose
// national form is shorter than ten digits do not equal their international form ("030 1234567"
// and "+49 30 1234567"), and vanity numbers ("1-800-FLOWERS") are cut at their first letter.
func PhoneKey(phone string) string {
	if !isASCII(phone) {
		phone = norm.NFKC.String(phone)
	}
	digits := make([]byte, 0, len(phone))
scan:
	for _, r := range phone {
		switch {
		case '0' <= r && r <= '9':
			digits = append(digits, byte(r))
		case len(digits) > 0 && (r == '#' || r == ',' || r == ';' || unicode.IsLetter(r)):
			break scan
		}
	}
	if len(digits) >= 2 && digits[0] == '0' && digits[1] == '0' {
		digits = digits[2:]
	}
	if len(digits) < minPhoneDigits {
		return ""
	}
	if len(digits) > phoneCompareDigits {
		digits = digits[len(digits)-phoneCompareDigits:]
	}
	return string(digits)
}
