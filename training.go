package main

import (
	"encoding/json"
	"math"
	"sort"
)

// Training insight: heart-rate and power zones, training load per workout,
// and fitness, fatigue and form over time. Everything here is a pure
// function of numbers; store_training.go decides when it runs (inside the
// write that changes a workout) and where the results live.
//
// A workout's samples are reduced once, when they are written, to a
// trainingSummary: seconds spent at each heart rate (1 bpm bins) and at
// each power (powerBin W bins), its normalised power and its best mean
// powers. Zones and loads are functions of that summary and the athlete's
// settings, so a settings change recomputes every affected workout from
// the summaries without reading a single sample again.

// maxSampleGap caps the time one sample stands for. A longer gap is a
// pause (auto-pause, a stop at the lights, a dropped strap), not effort.
// Defaults to 30 s, the window normalised power smooths over.
const maxSampleGap = 30.0

// powerBin is the width of the power histogram's bins in watts. Power
// zones are whole percentages of FTP and FTPs are hundreds of watts, so
// 5 W bins place a second in the wrong zone only within 5 W of a boundary.
const powerBin = 5

// powerCurveDurations are the durations (seconds) of the best power curve,
// 5 s to 60 min.
var powerCurveDurations = []int{5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600}

// histogram maps a bin (bpm, or watts / powerBin) to seconds. It is stored
// as a JSON array [first bin, seconds, seconds, ...]: decoding a map with
// string keys was half the cost of re-deriving ten years of workouts.
type histogram map[int]float64

func (h histogram) MarshalJSON() ([]byte, error) {
	if len(h) == 0 {
		return []byte("[]"), nil
	}
	lo, hi := math.MaxInt, math.MinInt
	for b := range h {
		lo, hi = min(lo, b), max(hi, b)
	}
	out := make([]float64, 0, hi-lo+2)
	out = append(out, float64(lo))
	for b := lo; b <= hi; b++ {
		out = append(out, math.Round(h[b]*1000)/1000)
	}
	return json.Marshal(out)
}

func (h *histogram) UnmarshalJSON(data []byte) error {
	var arr []float64
	if err := json.Unmarshal(data, &arr); err != nil {
		return err
	}
	*h = nil
	if len(arr) < 2 {
		return nil
	}
	*h = make(histogram, len(arr)-1)
	lo := int(arr[0])
	for i, s := range arr[1:] {
		if s > 0 {
			(*h)[lo+i] = s
		}
	}
	return nil
}

// trainingSummary is what a workout's samples say about effort, kept so
// that zones and loads can be recomputed without the samples.
type trainingSummary struct {
	HRHist    histogram       `json:"hr,omitempty"`    // bpm -> seconds
	PowerHist histogram       `json:"power,omitempty"` // bin index (watts/powerBin) -> seconds
	HRSeconds float64         `json:"hr_s,omitempty"`
	PowerS    float64         `json:"power_s,omitempty"` // seconds with a power reading
	MaxHR     float64         `json:"max_hr,omitempty"`
	AvgPower  float64         `json:"avg_power,omitempty"`
	NP        float64         `json:"np,omitempty"`
	Bests     map[int]float64 `json:"bests,omitempty"` // duration s -> best mean watts
}

// summarize reduces a workout's samples (in time order) to its training
// summary. Each sample's heart rate and power hold until the next sample,
// for at most maxSampleGap seconds.
func summarize(samples []Sample) trainingSummary {
	var sum trainingSummary
	var powerSum float64
	for i, sm := range samples {
		dt := 0.0
		if i+1 < len(samples) {
			dt = math.Min(samples[i+1].T-sm.T, maxSampleGap)
		}
		if dt < 0 {
			dt = 0
		}
		if sm.HR != nil && *sm.HR > 0 {
			bpm := int(math.Round(*sm.HR))
			if float64(bpm) > sum.MaxHR {
				sum.MaxHR = float64(bpm)
			}
			if dt > 0 {
				if sum.HRHist == nil {
					sum.HRHist = histogram{}
				}
				sum.HRHist[bpm] += dt
				sum.HRSeconds += dt
			}
		}
		if sm.Power != nil && *sm.Power >= 0 && dt > 0 {
			if sum.PowerHist == nil {
				sum.PowerHist = histogram{}
			}
			sum.PowerHist[int(*sm.Power)/powerBin] += dt
			sum.PowerS += dt
			powerSum += *sm.Power * dt
		}
	}
	if sum.PowerS > 0 {
		sum.AvgPower = powerSum / sum.PowerS
		series := powerSeries(samples)
		sum.NP = normalizedPower(series)
		sum.Bests = map[int]float64{}
		for _, d := range powerCurveDurations {
			if b := bestMeanPower(series, d); b > 0 {
				sum.Bests[d] = b
			}
		}
	}
	return sum
}

// powerSeries resamples power to one value a second, each sample's power
// holding until the next; a gap longer than maxSampleGap is filled with
// zeros (a stop), as a head unit that records zeros while stopped would.
func powerSeries(samples []Sample) []float64 {
	var out []float64
	var t0 float64
	started := false
	for i, sm := range samples {
		if sm.Power == nil {
			continue
		}
		if !started {
			t0, started = sm.T, true
		}
		end := sm.T + 1
		if i+1 < len(samples) {
			end = samples[i+1].T
		}
		from, to := int(math.Round(sm.T-t0)), int(math.Round(end-t0))
		for s := from; s < to && s < from+int(maxSampleGap); s++ {
			for len(out) < s {
				out = append(out, 0)
			}
			if len(out) == s {
				out = append(out, *sm.Power)
			}
		}
	}
	return out
}

// normalizedPower is Coggan's normalised power of a 1 Hz power series: the
// 30-s rolling average, raised to the 4th power, averaged, and the 4th
// root taken. The rolling average starts once the first 30 s are in (as
// TrainingPeaks and GoldenCheetah do), so a ride shorter than 30 s has
// none and 0 is returned.
func normalizedPower(series []float64) float64 {
	const window = 30
	if len(series) < window {
		return 0
	}
	var sum, acc float64
	for i := 0; i < window; i++ {
		sum += series[i]
	}
	n := 0
	for i := window - 1; i < len(series); i++ {
		if i >= window {
			sum += series[i] - series[i-window]
		}
		avg := sum / window
		acc += avg * avg * avg * avg
		n++
	}
	return math.Pow(acc/float64(n), 0.25)
}

// bestMeanPower is the highest mean power over any d consecutive seconds
// of a 1 Hz series, or 0 when the series is shorter than d.
func bestMeanPower(series []float64, d int) float64 {
	if d <= 0 || len(series) < d {
		return 0
	}
	var sum float64
	for i := 0; i < d; i++ {
		sum += series[i]
	}
	best := sum
	for i := d; i < len(series); i++ {
		sum += series[i] - series[i-d]
		best = math.Max(best, sum)
	}
	return best / float64(d)
}

// trimpMale and trimpFemale are Banister's weighting constants (Banister
// 1991; Morton, Fitz-Clarke & Banister 1990): TRIMP = minutes × HRr × a ×
// e^(b × HRr), with HRr the heart-rate reserve fraction.
const (
	trimpMaleA, trimpMaleB     = 0.64, 1.92
	trimpFemaleA, trimpFemaleB = 0.86, 1.67
)

// banisterTRIMP is Banister's training impulse summed over a heart-rate
// histogram: each bin contributes its minutes × HRr × a·e^(b·HRr). Summing
// per bin rather than using the session's mean heart rate (Banister's
// original) is the variant most tools use with recorded streams, because
// the exponential weights hard minutes more than a mean would. HRr is
// clamped to [0, 1]: a reading below resting or above maximum counts as
// resting or maximum.
func banisterTRIMP(hist map[int]float64, rest, max float64, female bool) float64 {
	if max <= rest {
		return 0
	}
	a, b := trimpMaleA, trimpMaleB
	if female {
		a, b = trimpFemaleA, trimpFemaleB
	}
	var trimp float64
	for bpm, s := range hist {
		x := math.Min(1, math.Max(0, (float64(bpm)-rest)/(max-rest)))
		trimp += s / 60 * x * a * math.Exp(b*x)
	}
	return trimp
}

// powerTSS is Coggan's Training Stress Score: (s × NP × IF) / (FTP × 3600)
// × 100, with IF = NP / FTP. One hour at FTP is 100.
func powerTSS(seconds, np, ftp float64) float64 {
	if ftp <= 0 || seconds <= 0 {
		return 0
	}
	intensity := np / ftp
	return seconds * np * intensity / (ftp * 3600) * 100
}

// rpeLoad estimates load from duration and perceived effort (RPE 1-10):
// Foster's session RPE (minutes × RPE), scaled by 1/6 so that an hour at
// RPE 10 (the hardest effort one can hold for an hour, which is what FTP
// means) scores 100, as an hour at FTP does in TSS. It is an estimate and
// is always marked as one.
func rpeLoad(seconds float64, rpe float64) float64 {
	return seconds / 60 * rpe / 6
}

// zoneSeconds sorts a histogram into zones. lower holds each zone's lower
// bound, ascending, in the histogram's units; time below the first bound
// counts in the first zone, so the zones add up to the whole recording.
func zoneSeconds(hist map[int]float64, binWidth float64, lower []float64) []float64 {
	out := make([]float64, len(lower))
	for bin, s := range hist {
		v := float64(bin) * binWidth
		z := sort.Search(len(lower), func(i int) bool { return lower[i] > v }) - 1
		if z < 0 {
			z = 0
		}
		out[z] += s
	}
	for i := range out {
		out[i] = math.Round(out[i])
	}
	return out
}

// hrZoneBounds are the lower bounds (bpm) of five heart-rate zones. With a
// lactate threshold, Friel's zones: below 85 %, 85-89 %, 90-94 %, 95-99 %
// and from 100 % of LTHR. Otherwise the common percent-of-maximum zones
// (Edwards; Garmin's and Polar's default): 50-60, 60-70, 70-80, 80-90 and
// 90-100 % of maximum. custom, when the athlete has set their own, wins.
func hrZoneBounds(maxHR, lthr float64, custom []float64) []float64 {
	if len(custom) == 5 {
		return custom
	}
	if lthr > 0 {
		return []float64{0, math.Round(lthr * 0.85), math.Round(lthr * 0.90), math.Round(lthr * 0.95), math.Round(lthr)}
	}
	if maxHR <= 0 {
		return nil
	}
	b := make([]float64, 5)
	for i := range b {
		b[i] = math.Round(maxHR * (0.5 + 0.1*float64(i)))
	}
	return b
}

// powerZoneBounds are Coggan's seven power zones' lower bounds in watts:
// active recovery below 55 % of FTP, endurance from 55 %, tempo 76 %,
// threshold 91 %, VO2max 106 %, anaerobic 121 %, neuromuscular 151 %.
func powerZoneBounds(ftp float64) []float64 {
	if ftp <= 0 {
		return nil
	}
	pct := []float64{0, 0.55, 0.76, 0.91, 1.06, 1.21, 1.51}
	b := make([]float64, len(pct))
	for i, p := range pct {
		b[i] = math.Round(ftp * p)
	}
	return b
}

// Fitness and fatigue time constants, in days (Banister's impulse-response
// model as popularised by Coggan's Performance Manager).
const (
	fitnessDays = 42
	fatigueDays = 7
)

// fitnessDay is one day of the fitness, fatigue and form series.
type fitnessDay struct {
	Date    string  `json:"date"`    // local day, YYYY-MM-DD
	Load    float64 `json:"load"`    // the day's summed workout load
	Fitness float64 `json:"fitness"` // CTL
	Fatigue float64 `json:"fatigue"` // ATL
	Form    float64 `json:"form"`    // TSB
}

// fitnessSeries runs the exponentially weighted averages over daily loads
// (one entry per consecutive day, the first starting from zero):
//
//	CTL_d = CTL_(d-1) + (load_d - CTL_(d-1)) × (1 - e^(-1/42))
//	ATL_d = ATL_(d-1) + (load_d - ATL_(d-1)) × (1 - e^(-1/7))
//	form_d = CTL_(d-1) - ATL_(d-1)
//
// The decay factor e^(-1/τ) is the exact one-day decay of a time constant
// τ, so 42 days of constant load L bring CTL to L(1 - 1/e); the common
// shortcut 1/τ differs from it by about 1 % at τ = 42 and 7 % at τ = 7.
// Form uses yesterday's values, as TrainingPeaks' TSB does: it is how
// fresh one is before the day's training.
func fitnessSeries(loads []float64) (ctl, atl, form []float64) {
	kc, ka := 1-math.Exp(-1.0/fitnessDays), 1-math.Exp(-1.0/fatigueDays)
	ctl, atl, form = make([]float64, len(loads)), make([]float64, len(loads)), make([]float64, len(loads))
	var c, a float64
	for i, l := range loads {
		form[i] = c - a
		c += (l - c) * kc
		a += (l - a) * ka
		ctl[i], atl[i] = c, a
	}
	return ctl, atl, form
}
