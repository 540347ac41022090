# gen-items.awk - generate N item rows for the benchmark, with a chosen
# share of rows carrying one realistic mistake each.
#   awk -v n=1000000 -v error_rate=0.01 -v seed=42 -f bench/gen-items.awk > items.csv
# An EAN-13 with its check digit: weights 1 and 3 from the left.
function ean13(d12,    k, sum) {
	sum = 0
	for (k = 1; k <= 12; k++)
		sum += substr(d12, k, 1) * (k % 2 ? 1 : 3)
	return d12 ((10 - sum % 10) % 10)
}

BEGIN {
	if (n == "") n = 1000000
	if (error_rate == "") error_rate = 0.01
	if (seed == "") seed = 42
	srand(seed)
	split("PCE KG M L DZN", units, " ")
	split("storable consumable service", kinds, " ")
	split("none lot serial", tracks, " ")
	split("Bolt Nut Washer Gear Shaft Bearing Seal Housing Flange Spring Pin Screw Motor Coupling", nouns, " ")
	split("hex flat spur bevel helical deep-groove radial steel brass zinc-plated stainless", adjs, " ")
	split("All / Saleable;All / Components / Fasteners;All / Components / Bearings;All / Raw materials", cats, ";")
	print "default_code,name,kind,uom,purchase_uom,category,barcode,weight,volume,list_price,standard_price,tracking,sale_ok,purchase_ok,active,produce_delay,description,valid_from"
	for (i = 1; i <= n; i++) {
		code = sprintf("IT-%07d", i)
		name = sprintf("%s %s M%d x %d", adjs[int(rand() * 11) + 1], nouns[int(rand() * 14) + 1], int(rand() * 20) + 3, int(rand() * 200) + 5)
		kind = kinds[int(rand() * 3) + 1]
		uom = units[int(rand() * 5) + 1]
		puom = uom
		cat = cats[int(rand() * 4) + 1]
		ean = ean13(sprintf("40%010d", i))
		weight = sprintf("%.3f", rand() * 50)
		volume = sprintf("%.4f", rand())
		cost = rand() * 300
		sp = sprintf("%.2f", cost)
		lp = sprintf("%.2f", cost * (1.2 + rand()))
		tr = tracks[int(rand() * 3) + 1]
		if (kind == "service") {
			weight = ""
			volume = ""
			tr = "none"
		}
		desc = "\"Standard part, see drawing " i ", rev. A\""
		date = sprintf("2026-%02d-%02d", int(rand() * 12) + 1, int(rand() * 28) + 1)
		if (rand() < error_rate) {
			e = int(rand() * 6)
			if (e == 0) uom = "Stk"
			else if (e == 1) weight = "-" weight
			else if (e == 2) ean = substr(ean, 1, 12) ((substr(ean, 13, 1) + 1) % 10)
			else if (e == 3) code = tolower(code)
			else if (e == 4) kind = "storeable"
			else date = "2026-02-30"
		}
		printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,1,1,1,%d,%s,%s\n", code, name, kind, uom, puom, cat, ean, weight, volume, lp, sp, tr, int(rand() * 10), desc, date
	}
}
