package main

import "math"

// effortDistances are the distances whose fastest times count as records,
// with their names.
var effortDistances = []struct {
	Meters float64
	Name   string
}{
	{1000, "1 km"},
	{1609.344, "1 mile"},
	{5000, "5 km"},
	{10000, "10 km"},
	{21097.5, "Half marathon"},
	{42195, "Marathon"},
}

const earthRadiusM = 6371008.8

// haversine is the great-circle distance in metres between two points.
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(a)))
}

// cumulativeDistance returns, for samples in time order, the distance
// covered at each one: the device's own distance where it sent one, else
// the sum of great-circle steps between positions. Samples with neither
// repeat the distance before them. ok is false when there is no distance
// at all.
func cumulativeDistance(samples []Sample) (dist []float64, ok bool) {
	dist = make([]float64, len(samples))
	var total float64
	var prevLat, prevLon float64
	havePrev := false
	for i, s := range samples {
		switch {
		case s.Dist != nil:
			total = *s.Dist
			ok = true
		case s.Lat != nil && s.Lon != nil:
			if havePrev {
				total += haversine(prevLat, prevLon, *s.Lat, *s.Lon)
			}
			ok = true
		}
		if s.Lat != nil && s.Lon != nil {
			prevLat, prevLon, havePrev = *s.Lat, *s.Lon, true
		}
		dist[i] = total
	}
	return dist, ok
}

// bestEffort is the shortest time, in seconds, in which the samples cover
// meters, or 0 when they never do. It slides a window over the samples and
// interpolates where inside the first step the window must start, so a
// steady pace gives exactly distance / speed.
func bestEffort(t, dist []float64, meters float64) float64 {
	best := 0.0
	i := 0
	for j := range t {
		if dist[j]-dist[0] < meters {
			continue
		}
		// Move i to the last sample from which dist[j] is still reached.
		for i+1 < j && dist[j]-dist[i+1] >= meters {
			i++
		}
		// The window starts where the distance is dist[j]-meters, between
		// samples i and i+1.
		start := t[i]
		if step := dist[i+1] - dist[i]; step > 0 && i+1 <= j {
			frac := (dist[j] - meters - dist[i]) / step
			start = t[i] + frac*(t[i+1]-t[i])
		}
		if d := t[j] - start; best == 0 || d < best {
			best = d
		}
	}
	return best
}

// Split is one kilometre or mile of a workout (100 m or 100 yd of a swim,
// 500 m of a row).
type Split struct {
	Index    int      `json:"index"`   // 1 for the first
	Meters   float64  `json:"meters"`  // the split's length; the last may be shorter
	Partial  bool     `json:"partial"` // the last split, shorter than a whole unit
	Seconds  float64  `json:"seconds"` // time taken
	AvgHR    *float64 `json:"avg_hr"`  // over the split's samples, when known
	Elevated *float64 `json:"elev_m"`  // metres climbed in the split, when known
}

// splits cuts the workout into pieces of length unit (1000 for km,
// 1609.344 for miles), interpolating the time each boundary is crossed.
func splits(samples []Sample, unit float64) []Split {
	dist, ok := cumulativeDistance(samples)
	if !ok || len(samples) < 2 {
		return nil
	}
	var out []Split
	startT, startD := samples[0].T, dist[0]
	next := startD + unit
	hrSum, hrN := 0.0, 0
	climb, haveAlt := 0.0, false
	flush := func(endT, endD float64) {
		sp := Split{Index: len(out) + 1, Meters: endD - startD, Seconds: endT - startT}
		if hrN > 0 {
			v := hrSum / float64(hrN)
			sp.AvgHR = &v
		}
		if haveAlt {
			v := climb
			sp.Elevated = &v
		}
		out = append(out, sp)
		startT, startD = endT, endD
		hrSum, hrN, climb = 0, 0, 0
	}
	for i := 1; i < len(samples); i++ {
		s := samples[i]
		if s.HR != nil {
			hrSum += *s.HR
			hrN++
		}
		if s.Alt != nil && samples[i-1].Alt != nil {
			haveAlt = true
			if up := *s.Alt - *samples[i-1].Alt; up > 0 {
				climb += up
			}
		}
		for dist[i] >= next && dist[i] > dist[i-1] {
			frac := (next - dist[i-1]) / (dist[i] - dist[i-1])
			flush(samples[i-1].T+frac*(s.T-samples[i-1].T), next)
			next += unit
		}
	}
	if last := len(samples) - 1; dist[last]-startD > 1 {
		flush(samples[last].T, dist[last])
		// A rest of a unit is not a unit: its pace is over less ground,
		// and the page labels it so (e.g. "0.4 km").
		out[len(out)-1].Partial = out[len(out)-1].Meters < unit*0.995
	}
	return out
}

// epley is the Epley estimate of a one-rep maximum: weight × (1 + reps/30),
// and the weight itself for a single.
func epley(weightKg float64, reps int) float64 {
	if reps <= 1 {
		return weightKg
	}
	return weightKg * (1 + float64(reps)/30)
}
