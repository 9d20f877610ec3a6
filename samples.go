package main

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
)

// Sample is one point of a workout's time series. Every field but T is
// optional: a treadmill run has no position, a phone without a strap no
// heart rate.
type Sample struct {
	T       float64  `json:"t"` // seconds since the workout's start
	Lat     *float64 `json:"lat,omitempty"`
	Lon     *float64 `json:"lon,omitempty"`
	Alt     *float64 `json:"alt,omitempty"`     // metres
	Dist    *float64 `json:"dist,omitempty"`    // metres since the start
	HR      *float64 `json:"hr,omitempty"`      // beats per minute
	Cadence *float64 `json:"cadence,omitempty"` // steps or revolutions per minute
	Power   *float64 `json:"power,omitempty"`   // watts
	Speed   *float64 `json:"speed,omitempty"`   // metres per second
}

// maxSamplesPerRequest bounds one upload; longer series come in batches.
const maxSamplesPerRequest = 100_000

// sampleBodyLimit is the body limit for sample uploads. Defaults to 16 MiB.
const sampleBodyLimit = 16 << 20

func validateSample(i int, sm Sample) error {
	f := func(name string) string { return "samples[" + strconv.Itoa(i) + "]." + name }
	if math.IsNaN(sm.T) || math.IsInf(sm.T, 0) || sm.T < 0 || sm.T > maxDuration.Seconds() {
		return invalidField(f("t"), "must be seconds since the start, 0 to %g", maxDuration.Seconds())
	}
	if (sm.Lat == nil) != (sm.Lon == nil) {
		return invalidField(f("lat"), "lat and lon come together")
	}
	for _, c := range []struct {
		name   string
		v      *float64
		lo, hi float64
	}{
		{"lat", sm.Lat, -90, 90}, {"lon", sm.Lon, -180, 180}, {"alt", sm.Alt, -500, 9000},
		{"dist", sm.Dist, 0, maxDistanceM}, {"hr", sm.HR, minHR, maxHR}, {"cadence", sm.Cadence, 0, 300},
		{"power", sm.Power, 0, 3000}, {"speed", sm.Speed, 0, 100},
	} {
		if err := checkRange(f(c.name), c.v, c.lo, c.hi); err != nil {
			return err
		}
	}
	return nil
}

// sampleInput is a Sample as a client sends it. Its T shadows Sample.T
// as a pointer, so that a sample without "t" is told apart from one at
// t=0: stored as 0, it would overwrite the workout's first sample.
type sampleInput struct {
	Sample
	T *float64 `json:"t"`
}

// checkSamples accepts 1 to max samples, each checked by validateSample.
func checkSamples(samples []Sample, max int) error {
	if len(samples) == 0 || len(samples) > max {
		return invalidField("samples", "send 1 to %d samples per request", max)
	}
	for i, sm := range samples {
		if err := validateSample(i, sm); err != nil {
			return err
		}
	}
	return nil
}

// samplesFromInput turns what a client sent into Samples, refusing the
// whole batch, naming the sample, when one lacks its t or fails
// checkSamples.
func samplesFromInput(in []sampleInput, max int) ([]Sample, error) {
	if len(in) == 0 || len(in) > max {
		return nil, invalidField("samples", "send 1 to %d samples per request", max)
	}
	samples := make([]Sample, len(in))
	for i, si := range in {
		if si.T == nil {
			return nil, invalidField("samples["+strconv.Itoa(i)+"].t", "is required: seconds since the start")
		}
		samples[i] = si.Sample
		samples[i].T = *si.T
	}
	return samples, checkSamples(samples, max)
}

// decodeSamples reads a {"samples": [...]} body of up to sampleBodyLimit
// bytes holding 1 to max valid samples.
func decodeSamples(w http.ResponseWriter, r *http.Request, max int) ([]Sample, error) {
	r.Body = http.MaxBytesReader(w, r.Body, sampleBodyLimit)
	var body struct {
		Samples []sampleInput `json:"samples"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, errorf(codeInvalidJSON, `send {"samples": [{"t": 0, "lat": ..., "hr": ...}, ...]}: %v`, err)
	}
	return samplesFromInput(body.Samples, max)
}

func (s *server) addSamples(w http.ResponseWriter, r *http.Request, p *principal) error {
	samples, err := decodeSamples(w, r, maxSamplesPerRequest)
	if err != nil {
		return err
	}
	if err := s.store.AddSamples(r.Context(), p.User.ID, r.PathValue("id"), samples); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"stored": len(samples)})
}

// sampleColumns is a time series as columns, the shape charts take.
type sampleColumns struct {
	T       []float64  `json:"t"`
	Lat     []*float64 `json:"lat"`
	Lon     []*float64 `json:"lon"`
	Alt     []*float64 `json:"alt"`
	Dist    []*float64 `json:"dist"`
	HR      []*float64 `json:"hr"`
	Cadence []*float64 `json:"cadence"`
	Power   []*float64 `json:"power"`
	Speed   []*float64 `json:"speed"`
}

func columns(samples []Sample, withPosition bool) sampleColumns {
	n := len(samples)
	c := sampleColumns{T: make([]float64, n), Lat: make([]*float64, n), Lon: make([]*float64, n), Alt: make([]*float64, n),
		Dist: make([]*float64, n), HR: make([]*float64, n), Cadence: make([]*float64, n), Power: make([]*float64, n), Speed: make([]*float64, n)}
	dist, haveDist := cumulativeDistance(samples)
	for i, sm := range samples {
		c.T[i], c.Alt[i], c.HR[i], c.Cadence[i], c.Power[i], c.Speed[i] = sm.T, sm.Alt, sm.HR, sm.Cadence, sm.Power, sm.Speed
		if withPosition {
			c.Lat[i], c.Lon[i] = sm.Lat, sm.Lon
		}
		if haveDist {
			d := dist[i]
			c.Dist[i] = &d
		}
	}
	return c
}

func (s *server) getSamples(w http.ResponseWriter, r *http.Request, p *principal) error {
	wo, err := s.store.Workout(r.Context(), p.User.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	samples, err := s.store.Samples(r.Context(), wo.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, columns(samples, true))
}
