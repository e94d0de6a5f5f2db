package calibrate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// synthetic draws n examples of d independent 0/1 features (each present
// with probability 0.4) whose outcome follows a logistic model with the
// given bias and weights.
func synthetic(n int, bias float64, weights []float64, seed uint64) (rows [][]int32, y []bool) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for range n {
		var r []int32
		z := bias
		for j, w := range weights {
			if rng.Float64() < 0.4 {
				r = append(r, int32(j))
				z += w
			}
		}
		rows = append(rows, r)
		y = append(y, rng.Float64() < sigmoid(z))
	}
	return rows, y
}

func TestFitRecoversKnownWeights(t *testing.T) {
	truth := []float64{1.2, 0.6, 0, -0.5, -1.1}
	const bias = -1.0
	rows, y := synthetic(20000, bias, truth, 42)
	trainRows, trainY := rows[:14000], y[:14000]
	testRows, testY := rows[14000:], y[14000:]

	m, err := fitLogit(trainRows, nil, trainY, len(truth), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Converged {
		t.Fatalf("did not converge in %d iterations", m.Iterations)
	}
	for j, w := range truth {
		got := m.W[j]
		switch {
		case w == 0 && math.Abs(got) > 0.15:
			t.Errorf("weight %d: got %.3f, want about 0", j, got)
		case w != 0 && math.Signbit(w) != math.Signbit(got):
			t.Errorf("weight %d: got %.3f, want the sign of %.1f", j, got, w)
		case math.Abs(got-w) > 0.2:
			t.Errorf("weight %d: got %.3f, want %.1f ± 0.2", j, got, w)
		}
	}
	order := func(ws []float64) []int {
		idx := []int{0, 1, 2, 3, 4}
		slices.SortFunc(idx, func(a, b int) int { return int(math.Copysign(1, ws[a]-ws[b])) })
		return idx
	}
	if got, want := order(m.W), order(truth); !slices.Equal(got, want) {
		t.Errorf("order of weights %v, want %v (fitted %.3f)", got, want, m.W)
	}

	fitted := make([]float64, len(testRows))
	oracle := make([]float64, len(testRows))
	truthModel := logit{Bias: bias, W: truth}
	for i, r := range testRows {
		fitted[i] = m.logOdds(r, nil)
		oracle[i] = truthModel.logOdds(r, nil)
	}
	aucFit, aucTrue := AUC(fitted, testY), AUC(oracle, testY)
	if aucFit < aucTrue-0.02 {
		t.Errorf("holdout AUC %.4f, the true model reaches %.4f", aucFit, aucTrue)
	}
	t.Logf("holdout AUC %.4f (true model %.4f), weights %.3f, bias %.3f, %d iterations", aucFit, aucTrue, m.W, m.Bias, m.Iterations)
}

func TestFitIsDeterministic(t *testing.T) {
	rows, y := synthetic(3000, -0.5, []float64{0.8, -0.8, 0.3}, 1)
	a, err := fitLogit(rows, nil, y, 3, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fitLogit(rows, nil, y, 3, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Bias != b.Bias || !slices.Equal(a.W, b.W) {
		t.Errorf("two fits differ: %v %v vs %v %v", a.Bias, a.W, b.Bias, b.W)
	}
}

func TestFitSurvivesSeparableData(t *testing.T) {
	// Feature 0 decides the outcome exactly: without the penalty the
	// weight would run off to infinity.
	var rows [][]int32
	var y []bool
	for i := range 200 {
		if i%2 == 0 {
			rows = append(rows, []int32{0})
		} else {
			rows = append(rows, nil)
		}
		y = append(y, i%2 == 0)
	}
	m, err := fitLogit(rows, nil, y, 1, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(m.W[0]) || math.IsInf(m.W[0], 0) || m.W[0] < 3 {
		t.Errorf("weight %v, want large and finite", m.W[0])
	}
}

func TestAUC(t *testing.T) {
	tests := []struct {
		name   string
		scores []float64
		pos    []bool
		want   float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"reversed", []float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{1, 1, 1, 1}, []bool{false, true, false, true}, 0.5},
		{"one swap", []float64{1, 2, 3, 4}, []bool{false, true, false, true}, 0.75},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AUC(tt.scores, tt.pos); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("AUC = %v, want %v", got, tt.want)
			}
		})
	}
	if !math.IsNaN(AUC([]float64{1, 2}, []bool{true, true})) {
		t.Error("AUC without negatives should be NaN")
	}
}

func TestTopKAndCalibration(t *testing.T) {
	scores := []float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	pos := []bool{true, true, false, true, false, false, false, false, true, false}
	k := topK(scores, pos, 0.3)
	if k.Leads != 3 || k.Converted != 2 || math.Abs(k.Precision-2.0/3) > 1e-12 || k.Recall != 0.5 {
		t.Errorf("top 30%%: %+v", k)
	}
	bins := calibration([]float64{0.1, 0.2, 0.3, 0.4}, []bool{false, false, true, true}, 2)
	if len(bins) != 2 || bins[0].Actual != 0 || bins[1].Actual != 1 || math.Abs(bins[0].Predicted-0.15) > 1e-12 {
		t.Errorf("calibration: %+v", bins)
	}
}
