package suggest

import "testing"

// namePairs are real-world spellings of customer names as they drift between an RMM, a security
// console and a PSA: same is whether the two name one customer. The seeds' examples come first
// (API.md's "Acme Corp" / "ACME CORP.", the GravityZone seed's Bitdefender), then spelling
// variants, then near-misses a person must tell apart.
var namePairs = []struct {
	a, b string
	same bool
}{
	// Seeds and API.md.
	{"Acme Corp", "ACME CORP.", true},
	{"Bitdefender", "BITDEFENDER", true},
	{"Smith & Jones Dental", "Jones Smith Dental", true},
	{"Summit Dental", "Summit Dental Lab", false},
	{"Customer 001", "Customer 002", false},
	{"Acme Corp", "Acme Corporation", true},

	// Word order.
	{"Smith & Jones Dental", "Smith and Jones Dental", true},
	{"Jones & Smith Law", "Smith Jones Law", true},
	{"Dental Care of Austin", "Austin Dental Care", true},
	{"Bank of Springfield", "Springfield Bank", true},
	{"Miller Family Dentistry", "Family Dentistry Miller", true},
	{"Garcia & Lee CPAs", "Lee & Garcia CPAs", true},
	{"Baker Tilly", "Tilly Baker", true},
	{"Law Office of Kim Park", "Kim Park Law Office", true},
	{"Chen, Patel & Ross", "Patel Chen Ross", true},
	{"Veterinary Clinic of Dayton", "Dayton Veterinary Clinic", true},

	// Abbreviations and common words.
	{"Dr. Alan Reyes Family Practice", "Doctor Alan Reyes Family Practice", true},
	{"Brown & Co", "Brown and Company", true},
	{"Acme International", "Acme Intl", true},
	{"Acme Intl.", "ACME INTERNATIONAL INC", true},
	{"Saint Mary's Clinic", "St. Mary's Clinic", true},
	{"St Luke's Hospital", "Saint Lukes Hospital", true},
	{"Mount Vernon Dental", "Mt. Vernon Dental", true},
	{"Harris Brothers Plumbing", "Harris Bros. Plumbing", true},
	{"Riverside Medical Center", "Riverside Med Ctr", true},
	{"Riverside Medical Centre", "Riverside Medical Center", true},
	{"Apex Manufacturing", "Apex Mfg", true},
	{"Delta Technologies", "Delta Technology", true},
	{"Delta Tech", "Delta Technologies", true},
	{"Northwind Laboratories", "Northwind Labs", true},
	{"Orion Property Management", "Orion Property Mgmt", true},
	{"Pinnacle Associates", "Pinnacle Assoc.", true},
	{"Keller Engineering", "Keller Eng.", true},
	{"First National Bank", "1st National Bank", true},
	{"North Shore Pediatrics", "N. Shore Pediatrics", true},
	{"Westside Services", "Westside Svcs", true},
	{"Lakeview Insurance Agency", "Lakeview Ins Agency", true},
	{"Coastal Construction", "Coastal Const.", true},
	{"Rivera Electric", "Rivera Electrical", true},
	{"Cornerstone Consulting Group", "Cornerstone Consultants", true},
	{"The Hartley Group", "Hartley Group", true},
	{"The Acme Company", "Acme", true},
	{"Blue Ridge Holdings", "Blue Ridge Holding", true},
	{"Evergreen Enterprises", "Evergreen Ent.", true},
	{"Granite Industries", "Granite Industrial", true},

	// Legal suffixes.
	{"Acme, Inc.", "Acme", true},
	{"Acme Inc", "Acme LLC", true},
	{"Müller GmbH", "Mueller GmbH", false},
	{"Müller GmbH", "MULLER", true},
	{"Contoso Ltd", "Contoso Limited", true},
	{"Fabrikam Pty Ltd", "Fabrikam", true},
	{"Tailspin Toys, LLC", "Tailspin Toys", true},
	{"Wide World Importers Inc.", "Wide World Importers", true},
	{"Litware PLC", "Litware", true},
	{"Adventure Works Corp.", "Adventure Works Corporation", true},
	{"Proseware, Inc.", "Proseware Incorporated", true},
	{"Woodgrove Bank N.A.", "Woodgrove Bank", true},
	{"Alpine Ski House AG", "Alpine Ski House", true},
	{"Northwind Traders S.A.", "Northwind Traders SA", true},
	{"Van Dijk B.V.", "Van Dijk", true},
	{"Smith & Associates, P.C.", "Smith & Associates", true},
	{"Kim Law PLLC", "Kim Law", true},

	// Misspellings and typing slips.
	{"Johnson Plumbing", "Jonson Plumbing", true},
	{"Thompson Dental", "Thomson Dental", true},
	{"Anderson Accounting", "Andersen Accounting", true},
	{"Mitchell Roofing", "Mitchel Roofing", true},
	{"Greenfield Landscaping", "Greenfeild Landscaping", true},
	{"Peterson Veterinary", "Petersen Veterinary", true},
	{"Lighthouse Counseling", "Lighthouse Counselling", true},
	{"Schneider Logistics", "Schnieder Logistics", true},
	{"Hernandez Auto Repair", "Hernandes Auto Repair", true},
	{"Whitfield Architects", "Whitfeld Architects", true},
	{"Pemberton Orthodontics", "Pemberton Orthodontic", true},
	{"Silverline Communications", "Silverline Comunications", true},
	{"Brightwater Pharmacy", "Brightwatter Pharmacy", true},
	{"Kowalski Bakery", "Kowalsky Bakery", true},
	{"Fitzgerald Realty", "Fitzgerold Realty", true},
	{"Sunrise Chiropractic", "Sunrise Chiropratic", true},
	{"Oakridge Veterinary Hospital", "Oakridge Veterinary Hosptial", true},
	{"Meridian Healthcare", "Meridian Heathcare", true},
	{"Stonebridge Capital", "Stonebrige Capital", true},
	{"Harborview Marina", "Harbourview Marina", true},

	// Spacing, punctuation and initials.
	{"North Wind Traders", "Northwind Traders", true},
	{"Blue Sky Solar", "BlueSky Solar", true},
	{"Sun Trust", "SunTrust", true},
	{"A.B.C. Plumbing", "ABC Plumbing", true},
	{"A B C Plumbing", "ABC Plumbing", true},
	{"IBM", "International Business Machines", true},
	{"O'Brien's Pub", "OBriens Pub", true},
	{"Smith-Jones Dental", "Smith Jones Dental", true},
	{"ACME-CORP", "Acme Corp", true},
	{"  acme   corp ", "Acme Corp", true},
	{"Café Zürich", "Cafe Zurich", true},
	{"J.P. Morgan", "JP Morgan", true},
	{"AT&T", "AT and T", true},
	{"H&R Block", "H and R Block", true},
	{"Barnes & Noble", "Barnes and Noble", true},
	{"Procter & Gamble", "Procter and Gamble Co.", true},
	{"Johnson & Johnson", "Johnson and Johnson", true},
	{"Ernst & Young", "Ernst and Young LLP", true},
	{"Marks & Spencer", "Marks and Spencer plc", true},
	{"Allen & Overy", "Allen Overy", true},
	{"Black & Veatch", "Black and Veatch Corp", true},
	{"Sherwin-Williams", "Sherwin Williams Company", true},
	{"Hewlett-Packard", "Hewlett Packard", true},
	{"Rolls-Royce", "Rolls Royce plc", true},
	{"Mercedes-Benz USA", "Mercedes Benz USA LLC", true},
	{"Coca-Cola Bottling", "Coca Cola Bottling Co", true},
	{"Wal-Mart Stores", "Walmart Stores", true},
	{"7-Eleven", "7 Eleven", true},
	{"Toys R Us", "Toys \"R\" Us", true},
	{"Dr. Pepper", "Dr Pepper", true},
	{"McDonald's", "McDonalds", true},
	{"Macy's", "Macys Inc", true},
	{"Kohl's Department Stores", "Kohls Dept Stores", true},
	{"Lowe's Home Improvement", "Lowes Home Improvement", true},
	{"Ben & Jerry's", "Ben and Jerrys", true},
	{"Dunkin' Donuts", "Dunkin Donuts", true},
	{"Land O'Lakes", "Land O Lakes", true},
	{"Trader Joe's", "Trader Joes", true},

	// Near-misses: one business is not its neighbour.
	{"Summit Dental", "Summit Medical", false},
	{"Summit Dental", "Summit Orthodontics", false},
	{"Summit Dental Lab", "Summit Dental Group Lab", true},
	{"First National Bank", "First National Bank of Omaha", false},
	{"First National Bank", "Second National Bank", false},
	{"Acme", "Acme Dental", false},
	{"Acme Plumbing", "Acme Roofing", false},
	{"Acme Plumbing", "Apex Plumbing", false},
	{"Store 12", "Store 13", false},
	{"Branch 1", "Branch 11", false},
	{"Clinic 2020", "Clinic 2021", false},
	{"Johnson Plumbing", "Johnson Electric", false},
	{"Johnson Plumbing", "Jackson Plumbing", false},
	{"Smith Dental", "Smith Legal", false},
	{"Smith Dental", "Smith & Jones Dental", false},
	{"Jones Smith Dental", "Smith Jones Law", false},
	{"Riverside Medical Center", "Riverside Dental Center", false},
	{"Riverside Medical", "Lakeside Medical", false},
	{"North Shore Pediatrics", "South Shore Pediatrics", false},
	{"East Bay Realty", "West Bay Realty", false},
	{"Northside Church", "Southside Church", false},
	{"Blue Ridge Holdings", "Blue River Holdings", false},
	{"Red Rock Dental", "Red Rock Dental Lab", false},
	{"Red Rock Dental", "Red Rock Cafe", false},
	{"Oak Tree Pediatrics", "Oak Tree Dental", false},
	{"Pine Valley Golf Club", "Pine Valley Country Club", false},
	{"Green Valley Farms", "Green Valley Pharmacy", false},
	{"Apex Legal", "Apex Medical", false},
	{"Apex Legal Group", "Apex Legal Services", true},
	{"Delta Airlines", "Delta Faucet", false},
	{"Delta Dental", "Delta Dental of Ohio", false},
	{"United Way", "United Airlines", false},
	{"American Express", "American Airlines", false},
	{"Bank of America", "Bank of the West", false},
	{"General Electric", "General Motors", false},
	{"General Mills", "General Dynamics", false},
	{"Ford Motor", "Ford Foundation", false},
	{"Washington Mutual", "Washington Federal", false},
	{"Wells Fargo", "Wells Real Estate", false},
	{"Pacific Gas", "Pacific Life", false},
	{"Phoenix Consulting", "Phoenix Construction", false},
	{"Phoenix Dental", "Phoenix Rental", false},
	{"Sunrise Bakery", "Sunset Bakery", false},
	{"Mitchell Roofing", "Mitchell Fencing", false},
	{"Brighton Law", "Brighton Lawn Care", false},
	{"Cedar Point Dental", "Cedar Park Dental", false},
	{"Harbor Freight", "Harbor Fright Haunted House", false},
	{"Midwest Energy", "Midwest Entergy Partners", false},
	{"Global Logistics", "Global Solutions", false},
	{"ABC Plumbing", "ABC Roofing", false},
	{"ABC Plumbing", "XYZ Plumbing", false},
	{"IBM", "IBS", false},
	{"BMW", "Bank of Maine West", false},
	{"Lincoln Elementary", "Lincoln Middle School", false},
	{"Lincoln High School", "Lincoln Middle School", false},
	{"St. Mary's Hospital", "St. Mark's Hospital", false},
	{"St. John's Church", "St. James Church", false},
	{"Mary Smith", "Mary Smith Jones", false},
	{"Jefferson County", "Jefferson City", false},
	{"Springfield Police", "Springfield Fire", false},
	{"Springfield Dental", "Springdale Dental", false},
	{"Carter Dental", "Porter Dental", false},
	{"Hill & Sons", "Hill & Daughters", false},
	{"Green Leaf", "Green Life", false},
	{"Nova Tech", "Nova Teck Labs", false},
	{"Alpha Construction", "Alpha Consulting", false},
	{"Alpha Omega", "Omega Alpha Beta Gamma", false},
	{"Vista Eye Care", "Vista Pet Care", false},
	{"Metro Auto Body", "Metro Auto Glass", false},
	{"Premier Roofing", "Premier Flooring", false},
	{"Elite Fitness", "Elite Finance", false},
	{"Union Bank", "Union Tank", false},
	{"Peak Performance", "Peak Pediatrics", false},
	{"Coastal Dental", "Coastal Rental", false},
	{"Meadowbrook Farms", "Meadowbrook Apartments", false},
	{"Westfield Mall", "Westfield Hall", false},
	{"Anchor Insurance", "Anchor Assurance", false},
	{"Liberty Tax", "Liberty Mutual", false},
	{"Heritage Bank", "Heritage Baptist Church", false},
	{"Pioneer Title", "Pioneer Tile", false},
	{"Kingston Dental", "Kingston Dental Kids", false},
	{"Horizon Health", "Horizon Wealth", false},
	{"Atlas Movers", "Atlas Mowers", false},
	{"Crown Cleaners", "Crown Cleaners of Dallas", false},
	{"Quantum Labs", "Quantum Leap", false},
	{"Eagle Eye Security", "Eagle Eye Optometry", false},
	{"Redwood Capital", "Redwood Hospital", false},
	{"Hudson Valley Dental", "Hudson Valley Dental Arts", false},
	{"Bay Area Plumbing", "Bay Area Plumbing & Heating", false},
	{"Tri-County Electric", "Tri-County Electric Cooperative", false},
	{"Advanced Imaging", "Advanced Imaging of Tampa", false},
	{"Smith", "Smithers", false},
	{"Lee", "Leeds", false},
	{"Ace", "Acme", false},
	{"Omni", "Omnicom", false},
	{"Target", "Target Dental", false},
}

// TestNamePairs measures precision and recall of "score >= MatchScore" on the table, logs them
// and lists every pair on the wrong side, and holds both to floors.
func TestNamePairs(t *testing.T) {
	if len(namePairs) < 200 {
		t.Fatalf("table has %d pairs, want at least 200", len(namePairs))
	}
	var tp, fp, fn, tn int
	for _, p := range namePairs {
		s := NameScore(p.a, p.b)
		got := s >= MatchScore
		switch {
		case got && p.same:
			tp++
		case got && !p.same:
			fp++
			t.Logf("false match  %3d  %q / %q", s, p.a, p.b)
		case !got && p.same:
			fn++
			t.Logf("missed match %3d  %q / %q", s, p.a, p.b)
		default:
			tn++
		}
		if r := NameScore(p.b, p.a); r != s {
			t.Errorf("NameScore(%q, %q) = %d but reversed = %d", p.a, p.b, s, r)
		}
	}
	precision := float64(tp) / float64(max(tp+fp, 1))
	recall := float64(tp) / float64(max(tp+fn, 1))
	t.Logf("%d pairs (%d same, %d different): precision %.3f, recall %.3f (tp=%d fp=%d fn=%d tn=%d)",
		len(namePairs), tp+fn, fp+tn, precision, recall, tp, fp, fn, tn)
	const precisionFloor, recallFloor = 0.95, 0.95
	if precision < precisionFloor {
		t.Errorf("precision %.3f below %.2f", precision, precisionFloor)
	}
	if recall < recallFloor {
		t.Errorf("recall %.3f below %.2f", recall, recallFloor)
	}
}
