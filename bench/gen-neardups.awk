# gen-neardups.awk - generate a batch of NEW item rows for the duplicate
# detection benchmark: a chosen share of them are near-duplicates of rows
# of an existing registry file (as another plant would type the same part),
# the rest are new, distinct items.  POSIX awk: runs with mawk and gawk.
#
# Usage:
#   awk -v n=100000 -v dup_rate=0.2 -v seed=7 -v truth=truth.csv \
#       -f bench/gen-neardups.awk registry-items.csv > new-items.csv
#
# Input: an item file made by bench/gen-items.awk (CSV with a header; the
# columns default_code, name and barcode are required, kind, uom and
# category are used when present; one record per line).  Standard input
# when no file is named.
#
# Options (-v NAME=VALUE):
#   n            rows to write (default 100000)
#   dup_rate     share of them that are near-duplicates (default 0.2); the
#                number is exactly round(n * dup_rate), capped at the number
#                of registry rows (each registry row is used at most once)
#   seed         random seed (default 42).  The generator has its own
#                random numbers (minstd, Park-Miller), so the same seed and
#                input give byte-identical output with mawk, gawk or any
#                POSIX awk.
#   truth        file for the ground truth (default: none written)
#   error_rate   share of rows with one field-level mistake, the six kinds of
#                gen-items.awk (default 0: the file passes `mdgate check`)
#   code_prefix  prefix of the new item numbers (default NW-); numbers that
#                the registry already uses are skipped
#
# Output: the header and column set of gen-items.awk, then n rows in random
# order.  Every row has a new default_code (code_prefix and 7 digits,
# numbered in output order, so the number says nothing about the source).
# New distinct rows are drawn like gen-items.awk draws its rows (name
# "<adjective> <noun> M<d> x <l>", the same kinds, units, categories) with
# barcodes 41xxxxxxxxxxC, which the registry made by gen-items.awk (40...)
# does not use.
#
# A near-duplicate keeps the source row's kind, uom and category (when they
# are valid), draws new weights, prices, dates, and changes the name in one
# (60 %) or two (40 %) of these ways, applied in this order:
#   abbrev   one word abbreviated (or spelled out): stainless -> SS, stainl.;
#            zinc-plated -> zn plated; Bearing -> Brg; hex -> hexagon; ...
#   reorder  the noun first: "Bolt hex M8 x 20", "Bolt, hex, M8 x 20",
#            "Bolt M8 x 20 hex"
#   size     the size written differently: M8x20, M8X20, 8 x 20 mm,
#            M8x20mm, M8 X 20, M8*20, M08 x 20, M8×20 (U+00D7), 8x20
#   word     a word added: a standard (DIN 933, ISO 4017, DIN 125, ...), a
#            grade (8.8, A2, 2RS), or new / NEW / (new) / spare
#   typo     in one word of four letters or more: two neighbouring letters
#            swapped, a letter dropped or a letter doubled
#   case     the whole name upper case, lower case or Title Case
# and its barcode is
#   barcode_same   the source's (about 1/2; only when the source's is a
#                  valid EAN-13 or EAN-8, else barcode_empty)
#   barcode_empty  empty: the plant did not know it (about 1/3)
#   barcode_new    a different valid EAN-13 (about 1/6)
#
# Truth file: one line per near-duplicate, in output order, no header:
#   new_code,registry_code,kind_of_change
# kind_of_change is the applied name changes and the barcode case joined by
# "+", e.g.  NW-0000017,IT-0412345,size+typo+barcode_empty
#
# Memory: only the rows to be duplicated are kept (a reservoir sample,
# Vitter's algorithm L, so no random number is drawn for most rows); a
# 1 000 000-row registry is read in well under a second.
#
# Limitations: records must not span lines (quoted newlines); gen-items.awk
# has only 11 x 14 x 20 x 200 = 616 000 different names, so in a large
# registry many rows share their name with others, and a new "distinct" row
# often has the exact name of some registry row (as two different articles
# of the same specification would): only barcode and code tell them apart.

# An EAN-13 with its check digit: weights 1 and 3 from the left.
function ean13(d12,    k, sum) {
	sum = 0
	for (k = 1; k <= 12; k++)
		sum += substr(d12, k, 1) * (k % 2 ? 1 : 3)
	return d12 ((10 - sum % 10) % 10)
}

# Whether b is a valid EAN-13 or EAN-8 (digits and check digit).
function valid_ean(b,    k, sum, len) {
	len = length(b)
	if (len != 13 && len != 8) return 0
	if (b !~ /^[0-9]+$/) return 0
	if (len == 13) return ean13(substr(b, 1, 12)) == b
	sum = 0
	for (k = 1; k <= 7; k++)
		sum += substr(b, k, 1) * (k % 2 ? 3 : 1)
	return substr(b, 8, 1) == (10 - sum % 10) % 10
}

# Random numbers of our own (minstd: x = x * 48271 mod 2^31-1; every product
# is below 2^47, exact in a double), the same in every awk.
function rnd() {
	rs = (rs * 48271) % 2147483647
	return rs / 2147483647
}

# A random integer in 1..k.
function ri(k) {
	return int(rnd() * k) + 1
}

# Split one CSV record into f[1..]; returns the number of fields.
function csvsplit(line, f,    nf, i, c, len, val, inq) {
	nf = 1
	val = ""
	inq = 0
	len = length(line)
	for (i = 1; i <= len; i++) {
		c = substr(line, i, 1)
		if (inq) {
			if (c == "\"") {
				if (substr(line, i + 1, 1) == "\"") {
					val = val "\""
					i++
				} else
					inq = 0
			} else
				val = val c
		} else if (c == "\"")
			inq = 1
		else if (c == ",") {
			f[nf++] = val
			val = ""
		} else if (c != "\r" || i < len)
			val = val c
	}
	f[nf] = val
	return nf
}

# A CSV field: quoted when it holds a comma or a quote.
function csv(s) {
	if (s ~ /[",]/) {
		gsub(/"/, "\"\"", s)
		return "\"" s "\""
	}
	return s
}

function ucfirst(w) {
	return toupper(substr(w, 1, 1)) substr(w, 2)
}

# ---- the name changes: each returns the new name, or the name unchanged
# when it does not apply.

function ch_abbrev(s,    nw, w, i, cand, nc, k, alt, na, lw, out) {
	nw = split(s, w, " ")
	nc = 0
	for (i = 1; i <= nw; i++)
		if (tolower(w[i]) in abbr)
			cand[++nc] = i
	if (nc == 0) return s
	k = cand[ri(nc)]
	lw = tolower(w[k])
	na = split(abbr[lw], alt, "|")
	w[k] = alt[ri(na)]
	out = w[1]
	for (i = 2; i <= nw; i++)
		out = out " " w[i]
	return out
}

# Where the size ("M8 x 20", "8x20") is: sets SZ_A, SZ_B (the numbers),
# SZ_M (the letter before the first, if any) and RSTART/RLENGTH.
function find_size(s,    t, p) {
	if (!match(s, /[Mm]?[0-9]+ *[xX*] *[0-9]+/)) return 0
	t = substr(s, RSTART, RLENGTH)
	SZ_M = ""
	if (t ~ /^[Mm]/) {
		SZ_M = substr(t, 1, 1)
		t = substr(t, 2)
	}
	p = match(t, /[xX*]/)
	SZ_A = substr(t, 1, p - 1)
	SZ_B = substr(t, p + 1)
	gsub(/ /, "", SZ_A)
	gsub(/ /, "", SZ_B)
	match(s, /[Mm]?[0-9]+ *[xX*] *[0-9]+/)
	return 1
}

function ch_size(s,    start, len, a, b, m, v, t) {
	if (!find_size(s)) return s
	start = RSTART
	len = RLENGTH
	a = SZ_A + 0
	b = SZ_B + 0
	m = SZ_M
	if (m == "") m = "M"
	v = ri(9)
	if (v == 1) t = m a "x" b
	else if (v == 2) t = m a "X" b
	else if (v == 3) t = a " x " b " mm"
	else if (v == 4) t = m a "x" b "mm"
	else if (v == 5) t = m a " X " b
	else if (v == 6) t = m a "*" b
	else if (v == 7) t = m sprintf("%02d", a) " x " b
	else if (v == 8) t = m a "\303\227" b
	else t = a "x" b
	return substr(s, 1, start - 1) t substr(s, start + len)
}

function ch_reorder(s,    pre, size, post, nw, w, i, rest, v) {
	if (find_size(s)) {
		pre = substr(s, 1, RSTART - 1)
		size = substr(s, RSTART, RLENGTH)
		post = substr(s, RSTART + RLENGTH)
	} else {
		pre = s
		size = ""
		post = ""
	}
	nw = split(pre, w, " ")
	if (nw < 2) return s
	rest = w[1]
	for (i = 2; i < nw; i++)
		rest = rest " " w[i]
	v = size == "" ? 1 : ri(3)
	if (v == 1) return w[nw] " " rest (size == "" ? "" : " " size) post
	if (v == 2) return w[nw] ", " rest ", " size post
	return w[nw] " " size post " " rest
}

function ch_word(s,    nw, w, i, key, list, na, alt, add) {
	nw = split(s, w, " ")
	list = ""
	for (i = 1; i <= nw; i++) {
		key = tolower(w[i])
		if (key in stdword) {
			list = stdword[key]
			break
		}
	}
	if (list != "" && rnd() < 0.6) {
		na = split(list, alt, "|")
		return s " " alt[ri(na)]
	}
	na = split("new|NEW|(new)|spare", alt, "|")
	add = alt[ri(na)]
	if (rnd() < 0.5) return add " " s
	return s " " add
}

function ch_typo(s,    len, i, c, run, start, cand, nc, p, op, a, b) {
	# the positions of letters in runs of 4 letters or more
	len = length(s)
	nc = 0
	run = 0
	for (i = 1; i <= len + 1; i++) {
		c = i <= len ? substr(s, i, 1) : " "
		if (c ~ /[A-Za-z]/) {
			if (run == 0) start = i
			run++
		} else {
			if (run >= 4)
				for (p = start; p < start + run; p++)
					cand[++nc] = p
			run = 0
		}
	}
	if (nc == 0) return s
	p = cand[ri(nc)]
	op = ri(3)
	a = substr(s, p, 1)
	b = substr(s, p + 1, 1)
	if (op == 1 && b ~ /[A-Za-z]/ && tolower(a) != tolower(b)) {
		# the letters move, the capitals stay: Washer -> Awsher
		if (a ~ /[A-Z]/) { a = tolower(a); b = toupper(b) }
		else if (b ~ /[A-Z]/) { b = tolower(b); a = toupper(a) }
		return substr(s, 1, p - 1) b a substr(s, p + 2)
	}
	if (op == 3)
		return substr(s, 1, p) a substr(s, p + 1)
	return substr(s, 1, p - 1) substr(s, p + 1)
}

function ch_case(s,    v, t, nw, w, i, try) {
	for (try = 0; try < 3; try++) {
		v = ri(10)
		if (v <= 4) t = toupper(s)
		else if (v <= 7) t = tolower(s)
		else {
			nw = split(tolower(s), w, " ")
			t = ucfirst(w[1])
			for (i = 2; i <= nw; i++)
				t = t " " ucfirst(w[i])
		}
		if (t != s) return t
	}
	return s
}

function apply_change(kind, s) {
	if (kind == "abbrev") return ch_abbrev(s)
	if (kind == "reorder") return ch_reorder(s)
	if (kind == "size") return ch_size(s)
	if (kind == "word") return ch_word(s)
	if (kind == "typo") return ch_typo(s)
	return ch_case(s)
}

# The near-duplicate of name s: sets NAME and KIND ("size+typo").
function mutate(s,    want, nwant, i, j, k, tries, t, picked) {
	nwant = rnd() < 0.6 ? 1 : 2
	for (i = 1; i <= NCH; i++)
		picked[i] = 0
	# draw the changes; one that does not apply is replaced by another
	for (tries = 0; tries < 20; tries++) {
		k = ri(NCH)
		if (picked[k]) continue
		if (apply_change(chg[k], s) == s) {
			picked[k] = -1
			continue
		}
		picked[k] = 1
		if (--nwant == 0) break
	}
	NAME = s
	KIND = ""
	for (i = 1; i <= NCH; i++)
		if (picked[i] == 1) {
			t = apply_change(chg[i], NAME)
			if (t != NAME && length(t) <= 200) {
				NAME = t
				KIND = KIND (KIND == "" ? "" : "+") chg[i]
			}
		}
	if (KIND == "") {
		# nothing applied (an odd name): at least a change of case
		NAME = toupper(s) == s ? tolower(s) : toupper(s)
		KIND = "case"
	}
}

# The next free item number.
function next_code(    c) {
	do
		c = sprintf("%s%07d", code_prefix, ++codeno)
	while (toupper(c) in taken)
	return c
}

BEGIN {
	if (n == "") n = 100000
	if (dup_rate == "") dup_rate = 0.2
	if (seed == "") seed = 42
	if (error_rate == "") error_rate = 0
	if (code_prefix == "") code_prefix = "NW-"
	n = int(n)
	rs = int(seed) % 2147483646
	if (rs < 0) rs = -rs
	rs = rs + 1
	for (i = 0; i < 10; i++)
		rnd()
	ndup = int(n * dup_rate + 0.5)
	if (ndup > n) ndup = n
	if (ndup < 0) ndup = 0
	pfx = toupper(code_prefix)
	plen = length(pfx)
	FS = ","

	split("PCE KG M L DZN", units, " ")
	split("storable consumable service", kinds, " ")
	split("none lot serial", tracks, " ")
	split("Bolt Nut Washer Gear Shaft Bearing Seal Housing Flange Spring Pin Screw Motor Coupling", nouns, " ")
	split("hex flat spur bevel helical deep-groove radial steel brass zinc-plated stainless", adjs, " ")
	split("All / Saleable;All / Components / Fasteners;All / Components / Bearings;All / Raw materials", cats, ";")
	for (i = 1; i <= 5; i++) okuom[units[i]] = 1
	for (i = 1; i <= 3; i++) okkind[kinds[i]] = 1
	NCH = split("abbrev reorder size word typo case", chg, " ")

	abbr["stainless"] = "SS|stainl.|s/steel|st.st."
	abbr["zinc-plated"] = "zn plated|zinc pl.|ZnPl|zn-pl."
	abbr["deep-groove"] = "DG|deep groove|d.g."
	abbr["helical"] = "hel.|helic."
	abbr["radial"] = "rad."
	abbr["steel"] = "stl|stl."
	abbr["brass"] = "brs|brs."
	abbr["hex"] = "hexagon|hex.|hexagonal"
	abbr["flat"] = "fl."
	abbr["bevel"] = "bev."
	abbr["bearing"] = "Brg|Brg.|Bear."
	abbr["housing"] = "Hsg|Hsg.|Hous."
	abbr["washer"] = "Wshr|Wash."
	abbr["coupling"] = "Cplg|Coupl."
	abbr["flange"] = "Flg|Flg."
	abbr["spring"] = "Spr.|Sprg"
	abbr["screw"] = "Scr.|Scrw"
	abbr["motor"] = "Mot.|Mtr"
	abbr["shaft"] = "Shft|Sh."
	stdword["bolt"] = "DIN 933|ISO 4017|DIN 931|8.8|A2"
	stdword["nut"] = "DIN 934|ISO 4032|DIN 985"
	stdword["washer"] = "DIN 125|ISO 7089|DIN 127"
	stdword["screw"] = "DIN 912|ISO 4762|DIN 7985"
	stdword["pin"] = "DIN 7|ISO 8734|ISO 2338"
	stdword["bearing"] = "2RS|ZZ|C3"
	stdword["seal"] = "NBR|FKM"
	stdword["spring"] = "DIN 2098"
	stdword["gear"] = "m2|module 2"
}

FNR == 1 {
	# the header: where the columns are
	nh = csvsplit($0, h)
	ccol = ncol = bcol = kcol = ucol = gcol = 0
	for (i = 1; i <= nh; i++) {
		if (h[i] == "default_code") ccol = i
		else if (h[i] == "name") ncol = i
		else if (h[i] == "barcode") bcol = i
		else if (h[i] == "kind") kcol = i
		else if (h[i] == "uom") ucol = i
		else if (h[i] == "category") gcol = i
	}
	if (!ccol || !ncol || !bcol) {
		print "gen-neardups.awk: " FILENAME ": the header lacks default_code, name or barcode" > "/dev/stderr"
		bad = 1
		exit 2
	}
	next
}

{
	# Vitter's algorithm L: res[1..ndup] is a uniform sample of the rows
	# read so far; nxt is the next row to enter it.
	if (++r <= ndup) {
		res[r] = $0
		if (r == ndup) {
			W = exp(log(rnd()) / ndup)
			nxt = r + (W < 1 ? int(log(rnd()) / log(1 - W)) : 0) + 1
		}
	} else if (r == nxt) {
		res[ri(ndup)] = $0
		W = W * exp(log(rnd()) / ndup)
		nxt = r + (W < 1 ? int(log(rnd()) / log(1 - W)) : 0) + 1
	}
	# registry numbers in our numbering are skipped
	if (ccol == 1) {
		if (toupper(substr($0, 1, plen)) == pfx) {
			csvsplit($0, f)
			taken[toupper(f[1])] = 1
		}
	} else if (toupper(substr($ccol, 1, plen)) == pfx || $ccol ~ /^"/) {
		csvsplit($0, f)
		taken[toupper(f[ccol])] = 1
	}
}

END {
	if (bad) exit 2
	if (r < ndup) {
		printf "gen-neardups.awk: only %d registry rows: %d near-duplicates instead of %d\n", r, r, ndup > "/dev/stderr"
		ndup = r
	}
	# the reservoir in random order (Fisher-Yates)
	for (i = 1; i <= ndup; i++)
		perm[i] = i
	for (i = ndup; i > 1; i--) {
		j = ri(i)
		t = perm[i]; perm[i] = perm[j]; perm[j] = t
	}
	print "default_code,name,kind,uom,purchase_uom,category,barcode,weight,volume,list_price,standard_price,tracking,sale_ok,purchase_ok,active,produce_delay,description,valid_from"
	left = ndup
	d = 0
	for (i = 1; i <= n; i++) {
		code = next_code()
		# selection sampling: exactly ndup of the n rows are near-duplicates
		isdup = left > 0 && rnd() * (n - i + 1) < left
		kind = kinds[ri(3)]
		uom = units[ri(5)]
		cat = cats[ri(4)]
		if (isdup) {
			left--
			src = res[perm[++d]]
			csvsplit(src, f)
			scode = f[ccol]
			mutate(f[ncol])
			name = NAME
			if (kcol && (f[kcol] in okkind)) kind = f[kcol]
			if (ucol && (f[ucol] in okuom)) uom = f[ucol]
			if (gcol && f[gcol] ~ /^All( \/ [^\/]+)*$/) cat = f[gcol]
			u = rnd()
			if (u < 0.5 && valid_ean(f[bcol])) {
				ean = f[bcol]
				bk = "barcode_same"
			} else if (u < 0.5 + 1 / 3) {
				ean = ""
				bk = "barcode_empty"
			} else {
				ean = ean13(sprintf("41%010d", i))
				bk = "barcode_new"
			}
		} else {
			name = sprintf("%s %s M%d x %d", adjs[ri(11)], nouns[ri(14)], ri(20) + 2, ri(200) + 4)
			ean = ean13(sprintf("41%010d", i))
		}
		puom = uom
		weight = sprintf("%.3f", rnd() * 50)
		volume = sprintf("%.4f", rnd())
		cost = rnd() * 300
		sp = sprintf("%.2f", cost)
		lp = sprintf("%.2f", cost * (1.2 + rnd()))
		tr = tracks[ri(3)]
		if (kind == "service") {
			weight = ""
			volume = ""
			tr = "none"
		}
		desc = "\"Standard part, see drawing " (r + i) ", rev. A\""
		date = sprintf("2026-%02d-%02d", ri(12), ri(28))
		delay = ri(10) - 1
		if (rnd() < error_rate) {
			e = int(rnd() * 6)
			if (e == 2 && ean == "") e = 0
			if (e == 0) uom = "Stk"
			else if (e == 1) weight = "-" (weight == "" ? "1.000" : weight)
			else if (e == 2) ean = substr(ean, 1, 12) ((substr(ean, 13, 1) + 1) % 10)
			else if (e == 3) code = tolower(code)
			else if (e == 4) kind = "storeable"
			else date = "2026-02-30"
		}
		printf "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,1,1,1,%d,%s,%s\n", code, csv(name), kind, uom, puom, csv(cat), ean, weight, volume, lp, sp, tr, delay, desc, date
		if (isdup && truth != "")
			print code "," csv(scode) "," KIND "+" bk > truth
	}
	if (truth != "") close(truth)
}
