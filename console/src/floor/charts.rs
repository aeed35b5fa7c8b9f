//! Bar charts drawn by hand in SVG: one horizontal bar per category with its count beside it. Each
//! chart is an image with an accessible name that says every figure, and carries a data table
//! with the same numbers for screen readers (visually hidden; the bars show their counts).

use leptos::prelude::*;

/// Width of the drawing, in its own units (it scales to its box).
const WIDTH: f64 = 360.0;
/// Room for the category labels on the left.
const LABEL_WIDTH: f64 = 132.0;
/// Room for the count after the longest bar.
const VALUE_ROOM: f64 = 40.0;
const ROW: f64 = 28.0;
const BAR: f64 = 18.0;
const PAD: f64 = 6.0;

/// One bar's geometry: its top and its length.
fn bar_length(count: u32, max: u32) -> f64 {
    if max == 0 || count == 0 {
        return 0.0;
    }
    // A bar of any count is at least visible.
    (f64::from(count) / f64::from(max) * (WIDTH - LABEL_WIDTH - VALUE_ROOM)).max(2.0)
}

/// The chart's accessible name: its title and every figure, e.g. `Ratings: 1, 0; 2, 1.`
pub fn summary(title: &str, bars: &[(String, u32)]) -> String {
    let figures: Vec<String> = bars.iter().map(|(label, count)| format!("{label} {count}")).collect();
    format!("{title}: {}.", figures.join(", "))
}

/// A horizontal bar chart and its data table.
///
/// `id` names the chart in the page (ids and `data-testid`); `category` and `unit` head the
/// table's two columns; `bars` are the categories with their counts, already in words.
#[component]
pub fn BarChart(
    id: &'static str,
    title: &'static str,
    category: &'static str,
    unit: &'static str,
    #[prop(into)] bars: Signal<Vec<(String, u32)>>,
) -> impl IntoView {
    let title_id = format!("{id}-title");
    let heading_id = format!("{id}-heading");
    view! {
        <div class="console-chart" data-testid=id>
            <h3 class="console-chart__title" id={heading_id.clone()}>{title}</h3>
            {move || {
                let bars = bars.get();
                let max = bars.iter().map(|(_, c)| *c).max().unwrap_or(0);
                let height = bars.len() as f64 * ROW + 2.0 * PAD;
                let name = summary(title, &bars);
                let rows = bars
                    .iter()
                    .enumerate()
                    .map(|(i, (label, count))| {
                        let top = PAD + i as f64 * ROW;
                        let middle = top + ROW / 2.0;
                        let length = bar_length(*count, max);
                        view! {
                            <g>
                                <text class="console-chart__label" x={(LABEL_WIDTH - 8.0).to_string()} y={middle.to_string()}
                                    text-anchor="end" dominant-baseline="middle">{label.clone()}</text>
                                <rect class="console-chart__bar" x={LABEL_WIDTH.to_string()} y={(middle - BAR / 2.0).to_string()}
                                    width={length.to_string()} height={BAR.to_string()} rx="2"></rect>
                                <text class="console-chart__value" x={(LABEL_WIDTH + length + 6.0).to_string()} y={middle.to_string()}
                                    dominant-baseline="middle">{count.to_string()}</text>
                            </g>
                        }
                    })
                    .collect_view();
                view! {
                    <svg class="console-chart__svg" role="img" aria-label={name.clone()}
                        viewBox={format!("0 0 {WIDTH} {height}")} preserveAspectRatio="xMinYMin meet">
                        <title id={title_id.clone()}>{name.clone()}</title>
                        <line class="console-chart__axis" x1={LABEL_WIDTH.to_string()} y1="0" x2={LABEL_WIDTH.to_string()} y2={height.to_string()}></line>
                        {rows}
                    </svg>
                    <table class="console-visually-hidden" data-testid={format!("{id}-table")} aria-labelledby={heading_id.clone()}>
                        <thead>
                            <tr><th scope="col">{category}</th><th scope="col">{unit}</th></tr>
                        </thead>
                        <tbody>
                            {bars
                                .into_iter()
                                .map(|(label, count)| view! { <tr><th scope="row">{label}</th><td>{count}</td></tr> })
                                .collect_view()}
                        </tbody>
                    </table>
                }
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_stay_visible() {
        let full = WIDTH - LABEL_WIDTH - VALUE_ROOM;
        assert_eq!(bar_length(4, 4), full);
        assert_eq!(bar_length(2, 4), full / 2.0);
        assert_eq!(bar_length(0, 4), 0.0);
        assert_eq!(bar_length(0, 0), 0.0);
        assert_eq!(bar_length(1, 10_000), 2.0);
    }

    #[test]
    fn the_name_says_every_figure() {
        let bars = vec![("Assistant alone".to_string(), 3), ("A person".to_string(), 1)];
        assert_eq!(summary("Who handled", &bars), "Who handled: Assistant alone 3, A person 1.");
    }
}
