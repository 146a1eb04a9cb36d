import type { QuotaBlock, QuotaView } from '../quota/ledger.ts';
import { secondsOf, spanOf, type Catalogue } from './catalogue.ts';

/** Russian plural forms: 1 изображение, 2 изображения, 5 изображений. */
function plural(n: number, one: string, few: string, many: string): string {
  const mod10 = n % 10;
  const mod100 = n % 100;
  if (mod10 === 1 && mod100 !== 11) return one;
  if (mod10 >= 2 && mod10 <= 4 && (mod100 < 12 || mod100 > 14)) return few;
  return many;
}
const images = (n: number) => `${n} ${plural(n, 'изображение', 'изображения', 'изображений')}`;
const period = (quota: Pick<QuotaView, 'window'>) => (quota.window === 'day' ? 'сегодня' : quota.window === 'week' ? 'на этой неделе' : 'в этом месяце');
const resetsIn = (quota: QuotaView, now = Date.now()) =>
  `Обновится через ${spanOf(quota.resetsAt.getTime() - now, { min: 'мин', h: 'ч', days: 'дн.' })}.`;
const bonusNote = (quota: QuotaView) => (quota.bonus > 0 ? `, плюс бонус: ${images(quota.bonus)} (хранятся до использования)` : '');
const blockedLine = (block: QuotaBlock) => {
  const who = block.scope === 'platform' ? 'Владелец бота заблокировал вас' : 'Модератор заблокировал вас в этом сообществе';
  return `${who}${block.reason ? ` (причина: ${block.reason})` : ''}. Если это ошибка, обратитесь к модератору.`;
};
const NOT_CHARGED = 'Квота не списана.';

export const ru: Catalogue = {
  intlLocale: 'ru-RU',
  errors: {
    INPUT_INVALID: 'Некорректный запрос.',
    IMAGE_UNSUPPORTED: 'Этот файл не является изображением, которое я могу изменить. Пришлите JPEG, PNG или WebP.',
    IMAGE_TOO_LARGE: 'Изображение слишком большое. Пришлите поменьше (до 20 МБ и 50 мегапикселей).',
    DOWNLOAD_FAILED: 'Не удалось скачать ваше изображение. Пришлите его ещё раз.',
    PROVIDER_REJECTED: 'Сервис изображений отклонил этот запрос.',
    PROVIDER_UNAVAILABLE: 'Сервис изображений сейчас недоступен. Попробуйте через несколько минут.',
    PROVIDER_FAILED: 'Сервис изображений не смог создать это изображение. Попробуйте переформулировать запрос.',
    PROVIDER_PROTOCOL: 'Сервис изображений прислал ответ, который я не понимаю. Попробуйте ещё раз.',
    TIMED_OUT: 'Это заняло слишком много времени, поэтому я отменил запрос.',
    CANCELLED: 'Отменено.',
    STORE_UNAVAILABLE: 'Сейчас нет доступа к базе данных, поэтому я не принимаю запросы. Попробуйте позже.',
    DELIVERY_FAILED: 'Изображение готово, но отправить его сюда не удалось.',
    INTERNAL: 'Что-то пошло не так с моей стороны.',
  },
  notCharged: NOT_CHARGED,
  queued: (position) => (position === undefined ? 'В очереди…' : position <= 0 ? 'В очереди: вы следующий…' : `В очереди: перед вами ${position}…`),
  running: (kind = 'edit') => (kind === 'edit' ? 'Редактирую…' : 'Создаю…'),
  delivering: () => 'Отправляю…',
  needPrompt: () => 'Напишите, что изменить: добавьте описание правки.',
  promptTooLong: (max) => `Описание слишком длинное. Уложитесь в ${max} символов.`,
  needImage: () => 'Прикрепите изображение для редактирования или используйте /imagine, чтобы создать его по тексту.',
  needImaginePrompt: () => 'Напишите, что создать: /imagine и описание, например /imagine рыжая лиса в снегу.',
  tooManyImages: (max) => `Отправляйте не больше ${max} изображений за раз.`,
  badCount: (max) => `Можно запросить от 1 до ${max} изображений.`,
  duplicate: () => 'Я уже работаю над этим запросом.',
  cancelled: () => `Отменено. ${NOT_CHARGED}`,
  cancelRefused: (why) =>
    why === 'not_yours' ? 'Отменить может только автор запроса.' : why === 'too_late' ? 'Отменять поздно: результат уже отправляется.' : 'Этот запрос уже завершён.',
  quotaExhausted: (quota, requested, now) => {
    const left = quota.remaining + quota.bonus;
    return left === 0
      ? `Вы использовали все ${images(quota.limit)} (${period(quota)}). ${resetsIn(quota, now)}`
      : `Вы запросили ${images(requested)}, а осталось ${left}${quota.bonus > 0 ? ' (с бонусом)' : ''}. Запросите меньше. ${resetsIn(quota, now)}`;
  },
  blocked: (block) => `${blockedLine(block)} ${NOT_CHARGED}`,
  done: (elapsedMs, quota) =>
    `Готово за ${secondsOf(elapsedMs, ',')} с · осталось ${quota.remaining} из ${quota.limit} (${period(quota)})${bonusNote(quota)}.`,
  quota: (quota, resets) => {
    const lines = quota.blocked ? [blockedLine(quota.blocked)] : [];
    const inFlight = quota.reserved > 0 ? ` ${quota.reserved} зарезервировано выполняющимися запросами.` : '';
    lines.push(`Использовано ${quota.used} из ${images(quota.limit)} (${period(quota)}); осталось ${quota.remaining}${bonusNote(quota)}.${inFlight}`);
    lines.push(`Обновится ${resets}.`);
    return lines.join('\n');
  },
  help: (platform) =>
    (platform === 'telegram'
      ? [
          'Пришлите фото с подписью, что изменить, и я верну отредактированное изображение.',
          'Можно также ответить на фото командой /edit <что изменить>. В группах начинайте подпись с /edit.',
          '/imagine <описание> создаёт новое изображение по тексту.',
          'Параметры в тексте: --n 2 (сколько), --ar 16:9 (пропорции), --png / --jpeg / --webp (формат).',
          'Совет: отправьте изображение файлом, чтобы сохранить качество.',
          '/quota показывает, сколько изображений у вас осталось.',
        ]
      : [
          'Используйте /edit с описанием и изображением, и я отвечу отредактированным изображением.',
          'Параметры: до трёх исходных изображений, count (1–4 результата), aspect_ratio и format.',
          'Используйте /imagine с описанием, чтобы создать изображение по тексту, с теми же параметрами.',
          '/quota показывает, сколько изображений у вас осталось.',
        ]
    ).join('\n'),
  moment: (p) => `${p.weekday}, ${p.day} ${p.month}, в ${p.time} (${p.timeZone})`,
};
