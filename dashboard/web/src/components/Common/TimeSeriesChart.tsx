import {
  AreaSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  LineSeries,
  type SeriesMarker,
  type Time,
} from "lightweight-charts"
import { useEffect, useRef } from "react"
import type { TimeValue } from "@/lib/chartData"

interface TimeSeriesChartProps {
  data: TimeValue[]
  markers?: SeriesMarker<Time>[]
  kind?: "area" | "line"
  color?: string
  height?: number
  label: string
}

/** A lightweight-charts series that follows its props; the chart is made once per mount. */
export const TimeSeriesChart = ({
  data,
  markers = [],
  kind = "line",
  color = "#38bdf8",
  height = 280,
  label,
}: TimeSeriesChartProps) => {
  const containerRef = useRef<HTMLDivElement>(null)
  const chartRef = useRef<IChartApi | null>(null)
  const seriesRef = useRef<ISeriesApi<"Area"> | ISeriesApi<"Line"> | null>(null)
  const markersRef = useRef<ISeriesMarkersPluginApi<Time> | null>(null)

  useEffect(() => {
    const container = containerRef.current
    if (!container) return
    const chart = createChart(container, {
      height,
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: "transparent" },
        textColor: "#a1a1aa",
        attributionLogo: false,
      },
      grid: { vertLines: { color: "#27272a" }, horzLines: { color: "#27272a" } },
      rightPriceScale: { borderColor: "#3f3f46" },
      timeScale: { borderColor: "#3f3f46", timeVisible: true, secondsVisible: true },
    })
    const series =
      kind === "area"
        ? chart.addSeries(AreaSeries, {
            lineColor: color,
            topColor: `${color}55`,
            bottomColor: `${color}05`,
            lineWidth: 2,
          })
        : chart.addSeries(LineSeries, { color, lineWidth: 2 })
    chartRef.current = chart
    seriesRef.current = series
    markersRef.current = createSeriesMarkers(series, [])
    return () => {
      chart.remove()
      chartRef.current = null
      seriesRef.current = null
      markersRef.current = null
    }
  }, [kind, color, height])

  useEffect(() => {
    seriesRef.current?.setData(data)
    chartRef.current?.timeScale().fitContent()
  }, [data])

  useEffect(() => {
    markersRef.current?.setMarkers(markers)
  }, [markers])

  return (
    <div
      ref={containerRef}
      role="img"
      aria-label={label}
      className="w-full"
      style={{ height }}
      data-points={data.length}
    />
  )
}
