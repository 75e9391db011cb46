import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef, type ReactNode } from 'react';

// Only what the reports draw (Chart.js is tree-shaken; this chunk loads with Admin → Reports only).
Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
);

export interface Series {
  label: string;
  data: number[];
  color: string;
  type?: 'bar' | 'line';
}

/**
 * One chart with its data as a table beside it: the canvas is a picture (role img, summarised in words) and the
 * table under "Show the numbers" is what screen readers and keyboard users read.
 */
export function ReportChart(props: {
  title: string;
  summary: string;
  labels: string[];
  series: Series[];
  horizontal?: boolean;
  table: ReactNode;
  height?: number;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const config: ChartConfiguration = {
      type: 'bar',
      data: {
        labels: props.labels,
        datasets: props.series.map((s) => ({
          type: s.type ?? 'bar',
          label: s.label,
          data: s.data,
          backgroundColor: s.color,
          borderColor: s.color,
          borderWidth: s.type === 'line' ? 2 : 0,
        })),
      },
      options: {
        indexAxis: props.horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: props.series.length > 1, position: 'bottom' } },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 }, beginAtZero: true },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    };
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [props.labels, props.series, props.horizontal]);
  return (
    <figure className="mb-0">
      <div style={{ position: 'relative', height: props.height ?? 240 }}>
        <canvas ref={canvas} role="img" aria-label={`${props.title}: ${props.summary}`} />
      </div>
      <figcaption className="small text-body-secondary mt-1">{props.summary}</figcaption>
      <details className="small mt-1">
        <summary>Show the numbers</summary>
        <div
          className="table-responsive position-relative"
          tabIndex={0}
          role="region"
          aria-label={`${props.title}, as a table`}
        >
          {props.table}
        </div>
      </details>
    </figure>
  );
}
