package main

import (
	"encoding/json"
	"math"
	"testing"
)

func within(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// constantSamples is n samples a second apart, each with hr and power
// (either may be 0 for none).
func constantSamples(n int, hr, power float64) []Sample {
	out := make([]Sample, n)
	for i := range out {
		out[i].T = float64(i)
		if hr > 0 {
			h := hr
			out[i].HR = &h
		}
		if power > 0 {
			p := power
			out[i].Power = &p
		}
	}
	return out
}

func TestBanisterTRIMP(t *testing.T) {
	for _, c := range []struct {
		name      string
		hist      map[int]float64
		rest, max float64
		female    bool
		want      float64
	}{
		// 60 min at 120 bpm, rest 60, max 180: HRr = 60/120 = 0.5.
		// Male: 60 × 0.5 × 0.64 × e^(1.92×0.5) = 30 × 0.64 × e^0.96
		// = 19.2 × 2.611696 = 50.1446.
		{"male half reserve", map[int]float64{120: 3600}, 60, 180, false, 50.1446},
		// Female: 60 × 0.5 × 0.86 × e^(1.67×0.5) = 25.8 × e^0.835
		// = 25.8 × 2.304814 = 59.4642.
		{"female half reserve", map[int]float64{120: 3600}, 60, 180, true, 59.4642},
		// 30 min at maximum (HRr = 1): 30 × 1 × 0.64 × e^1.92 = 19.2 ×
		// 6.820958 = 130.9624; plus 30 min at resting (HRr = 0), which
		// adds nothing.
		{"max and rest", map[int]float64{180: 1800, 60: 1800}, 60, 180, false, 130.9624},
		// Above maximum counts as maximum (clamped).
		{"above max clamps", map[int]float64{200: 1800}, 60, 180, false, 130.9624},
		{"no reserve", map[int]float64{120: 3600}, 180, 180, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := banisterTRIMP(c.hist, c.rest, c.max, c.female); !within(got, c.want, 0.001) {
				t.Fatalf("TRIMP %v, want %v", got, c.want)
			}
		})
	}
}

func TestNormalizedPower(t *testing.T) {
	ramp := make([]float64, 60) // 30 s at 0 W, then 30 s at 300 W
	for i := 30; i < 60; i++ {
		ramp[i] = 300
	}
	for _, c := range []struct {
		name   string
		series []float64
		want   float64
	}{
		// Constant power: every 30-s average is 250, so NP is 250.
		{"constant", constSeries(600, 250), 250},
		// The rolling averages from second 30 to 60 step 0, 10, ..., 300
		// W (31 values). NP = (Σ(10k)^4 / 31)^(1/4) for k = 0..30 =
		// 10 × (Σk^4 / 31)^(1/4), and Σk^4 (k ≤ 30) = 30·31·61·2789/30 =
		// 5,273,999, so NP = 10 × 170,129^(1/4) = 203.0928.
		{"step", ramp, 203.0928},
		{"shorter than window", constSeries(29, 300), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := normalizedPower(c.series); !within(got, c.want, 0.001) {
				t.Fatalf("NP %v, want %v", got, c.want)
			}
		})
	}
}

func constSeries(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func TestPowerTSS(t *testing.T) {
	for _, c := range []struct {
		name          string
		s, np, ftp    float64
		want          float64
		wantIntensity float64
	}{
		// One hour at FTP is 100 by definition: 3600×250×1/(250×3600)×100.
		{"hour at FTP", 3600, 250, 250, 100, 1},
		// IF = 200/250 = 0.8; 3600×200×0.8/(250×3600)×100 = 64.
		{"hour at 80 %", 3600, 200, 250, 64, 0.8},
		// Half an hour at FTP: 50.
		{"half hour at FTP", 1800, 300, 300, 50, 1},
		// Two hours, NP 275, FTP 250: IF 1.1; 7200×275×1.1/(900000)×100 = 242.
		{"two hours above", 7200, 275, 250, 242, 1.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := powerTSS(c.s, c.np, c.ftp); !within(got, c.want, 1e-9) {
				t.Fatalf("TSS %v, want %v", got, c.want)
			}
			if got := c.np / c.ftp; !within(got, c.wantIntensity, 1e-9) {
				t.Fatalf("IF %v", got)
			}
		})
	}
}

func TestRPELoad(t *testing.T) {
	// An hour at RPE 10 is 100 (60 × 10 / 6); 45 min at RPE 4 is 30.
	if got := rpeLoad(3600, 10); got != 100 {
		t.Fatalf("hour at 10: %v", got)
	}
	if got := rpeLoad(2700, 4); got != 30 {
		t.Fatalf("45 min at 4: %v", got)
	}
}

func TestZones(t *testing.T) {
	// Maximum 200: zones start at 50, 60, 70, 80, 90 % = 100, 120, 140,
	// 160, 180 bpm.
	b := hrZoneBounds(200, 0, nil)
	if want := []float64{100, 120, 140, 160, 180}; !equalFloats(b, want) {
		t.Fatalf("max-HR zones %v, want %v", b, want)
	}
	// LTHR 170 (Friel): 0, 85 % = 144.5 → 145 (rounded half away from
	// zero), 90 % = 153, 95 % = 161.5 → 162, 100 % = 170.
	if got, want := hrZoneBounds(190, 170, nil), []float64{0, 145, 153, 162, 170}; !equalFloats(got, want) {
		t.Fatalf("LTHR zones %v, want %v", got, want)
	}
	custom := []float64{90, 110, 130, 150, 170}
	if got := hrZoneBounds(200, 170, custom); !equalFloats(got, custom) {
		t.Fatalf("custom zones %v", got)
	}
	// FTP 250 (Coggan): 0, 137.5 → 138, 190, 227.5 → 228, 265, 302.5 → 303, 377.5 → 378.
	if got, want := powerZoneBounds(250), []float64{0, 138, 190, 228, 265, 303, 378}; !equalFloats(got, want) {
		t.Fatalf("power zones %v, want %v", got, want)
	}
	// Time: 10 s at 90 (below zone 1, counted in zone 1), 20 s at 100
	// (zone 1's lower bound), 30 s at 159 (zone 3), 40 s at 160 (zone 4),
	// 50 s at 199 (zone 5).
	hist := map[int]float64{90: 10, 100: 20, 159: 30, 160: 40, 199: 50}
	if got, want := zoneSeconds(hist, 1, b), []float64{30, 0, 30, 40, 50}; !equalFloats(got, want) {
		t.Fatalf("zone seconds %v, want %v", got, want)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !within(a[i], b[i], 1e-9) {
			return false
		}
	}
	return true
}

func TestFitnessSeries(t *testing.T) {
	// 42 days of load 100 from zero: CTL = 100 × (1 - e^(-42/42)) =
	// 100 × (1 - 1/e) = 63.2121; 7 days: ATL = 100 × (1 - e^(-1)) too.
	loads := constSeries(42, 100)
	ctl, atl, form := fitnessSeries(loads)
	if !within(ctl[41], 63.2121, 0.0001) {
		t.Fatalf("CTL after 42 days %v", ctl[41])
	}
	if !within(atl[6], 63.2121, 0.0001) {
		t.Fatalf("ATL after 7 days %v", atl[6])
	}
	// Day 1: CTL = 100 × (1 - e^(-1/42)) = 2.3528, ATL = 100 × (1 -
	// e^(-1/7)) = 13.3122; form on day 2 is yesterday's 2.3528 - 13.3122.
	if !within(ctl[0], 2.3528, 0.0001) || !within(atl[0], 13.3122, 0.0001) || !within(form[1], 2.3528-13.3122, 0.0001) || form[0] != 0 {
		t.Fatalf("day one: CTL %v ATL %v form %v", ctl[0], atl[0], form[1])
	}
	// A rest day after: both decay by e^(-1/τ).
	_, atl2, _ := fitnessSeries(append(constSeries(7, 100), 0))
	if !within(atl2[7], atl2[6]*math.Exp(-1.0/7), 1e-9) {
		t.Fatalf("rest day ATL %v", atl2[7])
	}
}

func TestSummarize(t *testing.T) {
	// 3601 samples a second apart: 3600 s at 150 bpm and 200 W (the last
	// sample stands for no time).
	sum := summarize(constantSamples(3601, 150, 200))
	if sum.HRHist[150] != 3600 || sum.HRSeconds != 3600 || sum.MaxHR != 150 {
		t.Fatalf("heart rate %+v", sum)
	}
	if !within(sum.NP, 200, 1e-9) || !within(sum.AvgPower, 200, 1e-9) || sum.Bests[3600] != 200 || sum.Bests[5] != 200 {
		t.Fatalf("power %+v", sum)
	}
	// A 10-minute gap is a pause: it counts as maxSampleGap seconds of
	// heart rate, and zeros in the power series (which lower NP).
	gap := constantSamples(120, 150, 300)
	for i := 60; i < 120; i++ {
		gap[i].T += 600
	}
	sum = summarize(gap)
	if sum.HRSeconds != 59+30+59 {
		t.Fatalf("seconds with a gap %v", sum.HRSeconds)
	}
	if sum.Bests[60] != 300 || sum.Bests[120] >= 300 {
		t.Fatalf("bests across a gap %v", sum.Bests)
	}
}

func TestHistogramJSON(t *testing.T) {
	h := histogram{120: 30, 118: 2.5, 125: 10}
	data, err := json.Marshal(trainingSummary{HRHist: h})
	if err != nil || string(data) != `{"hr":[118,2.5,0,30,0,0,0,0,10]}` {
		t.Fatalf("encoded %s %v", data, err)
	}
	var back trainingSummary
	if err := json.Unmarshal(data, &back); err != nil || len(back.HRHist) != 3 || back.HRHist[118] != 2.5 || back.HRHist[125] != 10 || back.PowerHist != nil {
		t.Fatalf("decoded %+v %v", back, err)
	}
}
