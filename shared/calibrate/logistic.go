package calibrate

import (
	"errors"
	"math"
)

// logit is an L2-regularised logistic regression over sparse features:
// the log-odds of a lead converting are Bias plus the weights of the
// features it has, each times its value (1 for the 0/1 features of
// categories, bins and words; the count for an engagement signal learned
// per event). The bias is not penalised. With the penalty every level of a
// field can have its own weight (no reference level to pick).
type logit struct {
	Bias       float64
	W          []float64
	Iterations int
	Loss       float64 // penalised negative log-likelihood at the optimum
	Converged  bool
}

// fitProgress is told about each Newton iteration.
type fitProgress func(iteration int, loss, step float64)

const (
	maxNewtonIterations = 100
	newtonTolerance     = 1e-8
)

var errNotPositiveDefinite = errors.New("calibrate: Hessian not positive definite (is the L2 penalty positive?)")

// fitLogit minimises Σ log-loss + l2/2·|w|² by Newton's method (iteratively
// reweighted least squares) with a backtracking line search. rows are the
// active feature indexes of each example (< d), ascending; vals, when not
// nil, their values (a nil vals[i] means all 1). It is deterministic: the
// same rows give the same weights, bit for bit.
func fitLogit(rows [][]int32, vals [][]float64, y []bool, d int, l2 float64, progress fitProgress) (logit, error) {
	n := len(rows)
	m := logit{W: make([]float64, d)}
	dim := d + 1 // index 0 is the bias
	theta := make([]float64, dim)
	grad := make([]float64, dim)
	hess := make([]float64, dim*dim)
	step := make([]float64, dim)
	trial := make([]float64, dim)
	z := make([]float64, n)

	val := func(i, a int) float64 {
		if vals == nil || vals[i] == nil {
			return 1
		}
		return vals[i][a]
	}
	loss := penalisedLoss(rows, vals, y, theta, l2, z)
	for it := 1; it <= maxNewtonIterations; it++ {
		clear(grad)
		clear(hess)
		for i, r := range rows {
			p := sigmoid(z[i])
			g := p
			if y[i] {
				g = p - 1
			}
			s := math.Max(p*(1-p), 1e-12)
			grad[0] += g
			hess[0] += s
			for a, ja := range r { // rows are ascending: this fills the lower triangle
				ia := int(ja) + 1
				va := val(i, a)
				grad[ia] += g * va
				row := hess[ia*dim:]
				row[0] += s * va
				for b, jb := range r[:a+1] {
					row[int(jb)+1] += s * va * val(i, b)
				}
			}
		}
		for j := 1; j < dim; j++ {
			grad[j] += l2 * theta[j]
			hess[j*dim+j] += l2
		}
		if err := choleskySolve(hess, grad, step, dim); err != nil {
			return m, err
		}
		// Backtracking: halve the Newton step until the loss goes down.
		t := 1.0
		var next float64
		for h := 0; ; h++ {
			for j := range trial {
				trial[j] = theta[j] - t*step[j]
			}
			next = penalisedLoss(rows, vals, y, trial, l2, z)
			if next <= loss || h == 40 {
				break
			}
			t /= 2
		}
		maxStep := 0.0
		for j := range theta {
			maxStep = math.Max(maxStep, math.Abs(trial[j]-theta[j]))
		}
		copy(theta, trial)
		done := maxStep < newtonTolerance || loss-next < newtonTolerance*math.Max(1, math.Abs(loss))*1e-4
		loss = next
		m.Iterations = it
		if progress != nil {
			progress(it, loss, maxStep)
		}
		if done {
			m.Converged = true
			break
		}
	}
	m.Bias = theta[0]
	copy(m.W, theta[1:])
	m.Loss = loss
	return m, nil
}

// penalisedLoss is the objective at theta; it leaves each example's
// log-odds in z.
func penalisedLoss(rows [][]int32, vals [][]float64, y []bool, theta []float64, l2 float64, z []float64) float64 {
	loss := 0.0
	for i, r := range rows {
		s := theta[0]
		if vals == nil || vals[i] == nil {
			for _, j := range r {
				s += theta[int(j)+1]
			}
		} else {
			for a, j := range r {
				s += theta[int(j)+1] * vals[i][a]
			}
		}
		z[i] = s
		if y[i] {
			loss += softplus(-s)
		} else {
			loss += softplus(s)
		}
	}
	pen := 0.0
	for _, w := range theta[1:] {
		pen += w * w
	}
	return loss + l2/2*pen
}

// logOdds is the model's log-odds for an example's features (vals nil:
// all 1).
func (m *logit) logOdds(r []int32, vals []float64) float64 {
	s := m.Bias
	for a, j := range r {
		if vals == nil {
			s += m.W[j]
		} else {
			s += m.W[j] * vals[a]
		}
	}
	return s
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// softplus is log(1 + e^z) without overflow.
func softplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// choleskySolve solves A x = b for a symmetric positive definite A (dim ×
// dim, row-major) of which it reads only the lower triangle, overwriting
// it with the Cholesky factor.
func choleskySolve(a, b, x []float64, dim int) error {
	for j := 0; j < dim; j++ {
		rowJ := a[j*dim:]
		s := rowJ[j]
		for k := 0; k < j; k++ {
			s -= rowJ[k] * rowJ[k]
		}
		if s <= 0 || math.IsNaN(s) {
			return errNotPositiveDefinite
		}
		d := math.Sqrt(s)
		rowJ[j] = d
		for i := j + 1; i < dim; i++ {
			rowI := a[i*dim:]
			s := rowI[j]
			for k := 0; k < j; k++ {
				s -= rowI[k] * rowJ[k]
			}
			rowI[j] = s / d
		}
	}
	// L y = b, then Lᵀ x = y.
	for i := 0; i < dim; i++ {
		s := b[i]
		row := a[i*dim:]
		for k := 0; k < i; k++ {
			s -= row[k] * x[k]
		}
		x[i] = s / row[i]
	}
	for i := dim - 1; i >= 0; i-- {
		s := x[i]
		for k := i + 1; k < dim; k++ {
			s -= a[k*dim+i] * x[k]
		}
		x[i] = s / a[i*dim+i]
	}
	return nil
}
