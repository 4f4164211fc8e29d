package match

import (
	"strings"
	"testing"
)

func TestEmailKey(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"John.Doe@Example.COM", "john.doe@example.com"},
		{"  jane@example.com \n", "jane@example.com"},
		{"", ""},
		{"   ", ""},
		{"n/a", ""},
		{"@example.com", ""},
		{"john@", ""},
		{"\"odd@local\"@example.com", "\"odd@local\"@example.com"},
	}
	for _, tt := range tests {
		if got := EmailKey(tt.in); got != tt.want {
			t.Errorf("EmailKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPhoneKey(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"international NANP", "+1 (555) 010-2000", "5550102000"},
		{"national NANP", "555-010-2000", "5550102000"},
		{"dotted", "555.010.2000", "5550102000"},
		{"00 prefix equals plus", "0044 20 7946 0958", "2079460958"},
		{"plus prefix", "+44 20 7946 0958", "2079460958"},
		{"national with trunk zero", "020 7946 0958", "2079460958"},
		{"extension x", "555-010-2000 x12", "5550102000"},
		{"extension ext", "555-010-2000 ext. 12", "5550102000"},
		{"dial pause", "555 010 2000,,12", "5550102000"},
		{"rfc 3966", "tel:+1-555-010-2000;ext=12", "5550102000"},
		{"seven digits", "010-2000", "0102000"},
		{"eight digits", "2612 3456", "26123456"},
		{"six digits", "123456", ""},
		{"00 prefix leaves too few", "00 12345", ""},
		{"empty", "", ""},
		{"letters only", "n/a", ""},
		{"full width", "＋１ ５５５ ０１０ ２０００", "5550102000"},
		{"vanity cut at first letter", "1-800-FLOWERS", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PhoneKey(tt.in); got != tt.want {
				t.Errorf("PhoneKey(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzPhoneKey(f *testing.F) {
	for _, s := range []string{"+1 (555) 010-2000", "0044 20 7946 0958", "555-010-2000 x12", "123456", "00", "+", "１２３４５６７", "\xff1234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := PhoneKey(s)
		if k != PhoneKey(s) {
			t.Fatalf("PhoneKey(%q) is not deterministic", s)
		}
		if k == "" {
			return
		}
		if len(k) < minPhoneDigits || len(k) > phoneCompareDigits {
			t.Fatalf("PhoneKey(%q) = %q: length %d outside [%d, %d]", s, k, len(k), minPhoneDigits, phoneCompareDigits)
		}
		if strings.Trim(k, "0123456789") != "" {
			t.Fatalf("PhoneKey(%q) = %q has a non-digit", s, k)
		}
		// Formatting around the digits never changes the key.
		if len(k) == phoneCompareDigits && k[:2] != "00" {
			if got := PhoneKey("+1 (" + k[:3] + ") " + k[3:6] + "-" + k[6:]); got != k {
				t.Fatalf("formatted %q gives %q, want %q", k, got, k)
			}
		}
	})
}

func BenchmarkPhoneKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		PhoneKey("+1 (555) 010-2000 ext. 12")
	}
}
